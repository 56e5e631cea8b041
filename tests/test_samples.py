"""Sample utterances: templates expand into the model, and the validator refuses what Alexa or a recogniser
would choke on (mixed scripts, the same utterance twice after normalisation, too few samples), naming the
file and line of the entry that caused it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from skill.core.content import library
from skill.core.content_check import (
    COMMAND_MIN_SAMPLES,
    TOPIC_MIN_SAMPLES,
    expand_template,
    foreign_letters,
    sample_key,
)
from tests.test_content import CONTENT_DIR, LOCALES, assert_problem, content, edit, line_of, problems_of

__all__ = ["content"]  # the fixture, imported so pytest finds it here

ES_TOPICS = "skill/content/es/topics.yaml"
EN_INTENTS = "skill/content/en/intents.yaml"


# ---- templates ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("template", "expected"), [
    ("why does my back crack", ["why does my back crack"]),
    ("(why does|how come) my back (cracks|pops)",
     ["why does my back cracks", "why does my back pops", "how come my back cracks", "how come my back pops"]),
    ("is it [really] bad", ["is it bad", "is it really bad"]),
    ("tell me more [about (that|it)]", ["tell me more", "tell me more about that", "tell me more about it"]),
    ("sáltate este [ejercicio|estiramiento]",
     ["sáltate este", "sáltate este ejercicio", "sáltate este estiramiento"]),
    ("(start|do) the {Routine}", ["start the {Routine}", "do the {Routine}"]),
    ("(a|a)", ["a"]),
])
def test_templates_expand_in_order_without_double_spaces(template: str, expected: list[str]) -> None:
    assert expand_template(template) == expected


@pytest.mark.parametrize(("template", "why"), [
    ("why (does my back crack", "never closed"),
    ("why does] my back crack", "unmatched"),
    ("why does | my back crack", "outside"),
    ("(a|b|c|d|e) (a|b|c|d|e) (a|b|c|d|e) (a|b|c|d|e)", "more than"),
])
def test_bad_templates_say_what_is_wrong(template: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        expand_template(template)


def test_sample_key_ignores_what_a_recogniser_cannot_hear() -> None:
    assert sample_key("Qué  es") == sample_key("que es")
    assert sample_key("let's stretch") == sample_key("lets stretch")
    assert sample_key("knee-to-chest") == sample_key("knee to chest")
    assert sample_key("why does it pop") != sample_key("why does it crack")


def test_foreign_letters_finds_a_cyrillic_lookalike() -> None:
    assert foreign_letters("por qué me cruje") == []
    assert foreign_letters("por qué me crujе") == ["е"]  # Cyrillic ie, looks like e


def test_a_template_in_content_becomes_plain_samples_in_the_model(content: Path) -> None:
    from skill.core.content import Library, load_raw

    edit(content, "en/intents.yaml", "  TellMeMoreIntent:\n",
         "  TellMeMoreIntent:\n    - (pretty please|kindly) tell me a bit more\n")
    samples = Library(load_raw(content)).for_locale("en-US").intent_samples["TellMeMoreIntent"]
    assert samples[:2] == ("pretty please tell me a bit more", "kindly tell me a bit more")
    assert not any(ch in s for s in samples for ch in "()[]|")


def test_a_broken_template_names_its_line(content: Path) -> None:
    bad = "(tell me|say) more (please"
    text = edit(content, "en/intents.yaml", "  TellMeMoreIntent:\n", f"  TellMeMoreIntent:\n    - {bad}\n")
    assert_problem(problems_of(content), EN_INTENTS, line_of(text, bad), "intents.TellMeMoreIntent[0]",
                   "bad template", "never closed")


# ---- validation ---------------------------------------------------------------------------------------------
def test_a_cyrillic_letter_in_a_spanish_sample_is_refused(content: Path) -> None:
    sneaky = "por qué me crujе tanto el cuello"  # the last letter of "crujе" is Cyrillic
    text = edit(content, "es/topics.yaml", "    samples:\n", f"    samples:\n      - {sneaky}\n",
                after="  - id: anatomy\n")
    problems = problems_of(content)
    assert_problem(problems, ES_TOPICS, line_of(text, sneaky), "topics[0].samples[0]", "mixes scripts", "CYRILLIC")


def test_the_same_utterance_after_normalisation_is_refused(content: Path) -> None:
    data = yaml.safe_load((CONTENT_DIR / "es" / "topics.yaml").read_text(encoding="utf-8"))
    taken = expand_template(data["topics"][0]["samples"][0])[0]
    twin = taken.replace("á", "a").replace("é", "e").replace("ó", "o").upper()  # other case, no accents
    assert sample_key(twin) == sample_key(taken)
    text = edit(content, "es/intents.yaml", "  TellMeMoreIntent:\n", f"  TellMeMoreIntent:\n    - {twin}\n")
    assert_problem(problems_of(content), "skill/content/es/intents.yaml", line_of(text, twin),
                   "intents.TellMeMoreIntent[0]", data["topics"][0]["intent"])


def _keep_one(path: Path, header: str, item: str) -> None:
    """Cut the list that follows the first ``header`` line down to its first entry."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(header) + 1
    end = at
    while end < len(lines) and lines[end].startswith(item):
        end += 1
    path.write_text("\n".join([*lines[:at + 1], *lines[end:]]), encoding="utf-8")


def test_too_few_samples_for_a_topic_and_a_command(content: Path) -> None:
    _keep_one(content / "en" / "topics.yaml", "    samples:", "      - ")
    _keep_one(content / "en" / "intents.yaml", "  HowManyLeftIntent:", "    - ")
    problems = problems_of(content)
    assert any("topics[0].samples: has" in p and f"at least {TOPIC_MIN_SAMPLES}" in p for p in problems), problems
    assert any("intents.HowManyLeftIntent: has" in p and f"at least {COMMAND_MIN_SAMPLES}" in p
               for p in problems), problems


@pytest.mark.parametrize("locale", LOCALES)
def test_real_content_meets_the_minimums(locale: str) -> None:
    c = library().for_locale(locale)
    for topic in c.topics.values():
        assert len(topic.samples) >= TOPIC_MIN_SAMPLES, (locale, topic.intent, len(topic.samples))
    for name in ("TellMeMoreIntent", "StartRoutineIntent", "StretchIntent", "HowManyLeftIntent", "SkipIntent"):
        assert len(c.intent_samples[name]) >= COMMAND_MIN_SAMPLES, (locale, name)
    assert "adiós" in c.intent_samples["AMAZON.StopIntent"] or c.language != "es"


def test_overlapping_templates_are_merged_but_a_written_repeat_fails(content: Path) -> None:
    from skill.core.content import Library, load_raw

    edit(content, "en/intents.yaml", "  TellMeMoreIntent:\n",
         "  TellMeMoreIntent:\n    - (pretty please|kindly) tell me a bit more\n"
         "    - kindly tell me a bit more [now]\n")
    samples = Library(load_raw(content)).for_locale("en-US").intent_samples["TellMeMoreIntent"]
    assert samples.count("kindly tell me a bit more") == 1
    assert "kindly tell me a bit more now" in samples
    text = edit(content, "en/intents.yaml", "    - kindly tell me a bit more [now]\n",
                "    - kindly tell me a bit more [now]\n    - Pretty please tell me a bit more\n")
    assert_problem(problems_of(content), EN_INTENTS, line_of(text, "- Pretty please"),
                   "intents.TellMeMoreIntent[2]", "appears twice")
