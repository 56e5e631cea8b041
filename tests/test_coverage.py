"""Coverage: every sample reaches its own intent; planted collisions are caught and reported."""

from __future__ import annotations

import json

from skill.simulator.coverage import collisions, fill_sample, report
from skill.simulator.nlu import builtin_phrases, fold, normalise
from tests.test_nlu import en_model, es_model


def _intents(model: dict) -> list[dict]:
    return model["interactionModel"]["languageModel"]["intents"]


def test_clean_models_have_no_collisions():
    assert collisions(en_model(), "en-US") == []
    assert collisions(es_model(), "es-ES") == []


def test_fill_sample_uses_representative_values():
    model = en_model()
    types = {"BodyPart": "BodyPartType", "Minutes": "AMAZON.NUMBER", "Length": "AMAZON.DURATION"}
    assert fill_sample("why does my {BodyPart} crack", types, model, "en-US") == "why does my lower back crack"
    assert fill_sample("start a {Minutes} minute routine", types, model, "en-US") == "start a three minute routine"
    assert fill_sample("hold for {Length}", types, model, "en-US") == "hold for five minutes"
    assert fill_sample("una rutina de {Minutes} minutos", types, es_model(), "es-ES") == "una rutina de tres minutos"


def test_planted_collision_is_detected():
    model = en_model()
    _intents(model).append({"name": "MorningIntent", "samples": ["start the morning routine"]})
    found = collisions(model, "en-US")
    assert len(found) == 1
    hit = found[0]
    assert hit.kind == "resolves-elsewhere"
    assert hit.intent == "StartRoutineIntent"
    assert hit.sample == "start the {Routine} routine"
    assert hit.utterance == "start the morning routine"
    assert hit.resolved_intent == "MorningIntent"


def test_identical_utterance_in_two_intents_is_detected():
    model = en_model()
    _intents(model).append({"name": "CrackFactsIntent", "samples": ["Why does my back crack"]})
    found = collisions(model, "en-US")
    duplicates = [c for c in found if c.kind == "duplicate"]
    assert {c.intent for c in duplicates} == {"WhyCrackIntent", "CrackFactsIntent"}
    assert all(c.sample.lower() == "why does my back crack" for c in duplicates)


def test_same_shape_with_same_slot_type_is_a_duplicate():
    model = en_model()
    _intents(model).append({"name": "PopIntent", "slots": [{"name": "Part", "type": "BodyPartType"}],
                            "samples": ["what makes my {Part} pop"]})
    kinds = {(c.intent, c.kind) for c in collisions(model, "en-US")}
    assert ("PopIntent", "duplicate") in kinds
    assert ("WhyCrackIntent", "duplicate") in kinds


def test_stealing_a_built_in_phrasing_is_a_collision():
    model = en_model()
    _intents(model).append({"name": "SkipStretchIntent", "samples": ["skip"]})
    found = collisions(model, "en-US")
    assert [(c.kind, c.intent, c.sample, c.resolved_intent) for c in found] == [
        ("builtin-shadowed", "AMAZON.NextIntent", "skip", "SkipStretchIntent"),
    ]


def test_builtin_phrasings_are_unique_per_language():
    for lang in ("en", "es"):
        owner: dict[str, str] = {}
        for intent, phrases in builtin_phrases(lang).items():
            for phrase in phrases:
                key = fold(normalise(phrase, lang))
                assert owner.setdefault(key, intent) == intent, (lang, phrase, owner[key], intent)


def test_report_lists_intents_and_fails_on_collisions(tmp_path):
    clean = en_model()
    broken = en_model()
    _intents(broken).append({"name": "MorningIntent", "samples": ["start the morning routine"]})
    (tmp_path / "en-US.json").write_text(json.dumps(clean), encoding="utf-8")
    (tmp_path / "es-ES.json").write_text(json.dumps(es_model()), encoding="utf-8")
    text, ok = report(tmp_path, ["en-US", "es-ES"], verbose=True)
    assert ok
    assert "WhyCrackIntent" in text and "es-ES" in text
    assert "OK" in text.splitlines()[-1]
    quiet, ok = report(tmp_path, ["en-US", "es-ES"])
    assert ok
    assert quiet.splitlines() == [quiet.splitlines()[-1]]  # a clean run is one line
    assert quiet.startswith("OK: no collisions (2 locales")

    (tmp_path / "en-GB.json").write_text(json.dumps(broken), encoding="utf-8")
    text, ok = report(tmp_path, ["en-US", "en-GB"])
    assert not ok
    assert "start the morning routine" in text
    assert "MorningIntent" in text
    assert "FAIL" in text.splitlines()[-1]
    assert "en-US" not in text  # only the locale with a problem is listed
    assert "WhyCrackIntent" not in text


def test_report_fails_on_a_missing_locale(tmp_path):
    (tmp_path / "en-US.json").write_text(json.dumps(en_model()), encoding="utf-8")
    text, ok = report(tmp_path, ["en-US", "en-AU"])
    assert not ok
    assert "en-AU" in text and "MISSING" in text


def test_shadowed_builtins_can_be_downgraded_to_warnings(tmp_path):
    model = en_model()
    _intents(model).append({"name": "SkipStretchIntent", "samples": ["skip"]})
    (tmp_path / "en-US.json").write_text(json.dumps(model), encoding="utf-8")
    text, ok = report(tmp_path, ["en-US"])
    assert not ok
    assert 'built-in phrasing "skip" -> SkipStretchIntent' in text
    text, ok = report(tmp_path, ["en-US"], fail_on_shadowed_builtins=False)
    assert ok
    assert "1 warning(s)" in text


def test_command_line_exit_code(tmp_path, capsys):
    from skill.__main__ import main

    (tmp_path / "en-US.json").write_text(json.dumps(en_model()), encoding="utf-8")
    assert main(["coverage", "--models-dir", str(tmp_path), "--locale", "en-US"]) == 0
    assert "OK: no collisions" in capsys.readouterr().out
    broken = en_model()
    _intents(broken).append({"name": "MorningIntent", "samples": ["start the morning routine"]})
    (tmp_path / "en-US.json").write_text(json.dumps(broken), encoding="utf-8")
    assert main(["coverage", "--models-dir", str(tmp_path), "--locale", "en-US"]) == 1
    assert "MorningIntent" in capsys.readouterr().out
    assert main(["coverage", "--models-dir", str(tmp_path), "--locale", "es-ES"]) == 1
