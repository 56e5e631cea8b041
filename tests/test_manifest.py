"""The ASK CLI skill package: what Amazon's store shows and what `ask deploy` uploads, built from our own files.

What a user (or Amazon's certification team) notices: the listing in their language says the skill gives general
information and is no substitute for medical advice, and every "Try saying" phrase really opens the skill and
reaches an intent. What the person deploying notices: the package is the ASK CLI layout, carries the same
interaction models as the repository, and a broken listing is refused with file, line and field.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from skill.__main__ import main
from skill.core.content import CONTENT_DIR, library
from skill.core.content_rules import ContentError
from skill.devtools import manifest
from skill.simulator.nlu import FALLBACK, LAUNCH, Understander

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "interaction_models"
ENDPOINT = "arn:aws:lambda:us-east-1:123456789012:function:spine-coach-SpineCoachFunction-AbC123:live"
SMALL_ICON = "https://assets.example.com/spine-coach-108.png"
LARGE_ICON = "https://assets.example.com/spine-coach-512.png"
PRIVACY = "https://example.com/spine-coach/privacy"

# Per language, written here and not taken from the content: the store text must say these things.
GENERAL_INFORMATION = {"en": r"\bgeneral information\b", "es": r"\binformación general\b"}
NOT_MEDICAL_ADVICE = {
    "en": r"\bnot a substitute for (?:professional )?medical advice\b",
    "es": r"\bno sustituye (?:el|al) consejo médico\b",
}
LAUNCH_WORDS = {"en": ("open", "ask", "tell", "start", "launch", "begin", "talk to"),
                "es": ("abre", "pide a", "pregunta a", "dile a", "inicia", "empieza")}
# Words Alexa allows between the invocation name and the request ("ask spine coach to ...").
CONNECTORS = {"en": ("to", "for", "about", "if", "whether", "and", "that"), "es": ("que", "si", "sobre")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, manifest.Built]:
    out = tmp_path_factory.mktemp("ask-project")
    options = manifest.Options(endpoint_arn=ENDPOINT, icon_small_url=SMALL_ICON, icon_large_url=LARGE_ICON,
                               privacy_policy_url=PRIVACY)
    return out, manifest.build_package(out, options)


@pytest.fixture(scope="module")
def skill_json(built: tuple[Path, manifest.Built]) -> dict[str, Any]:
    return json.loads((built[0] / "skill-package" / "skill.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def listed(skill_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return skill_json["manifest"]["publishingInformation"]["locales"]


def language(locale: str) -> str:
    return library().for_locale(locale).language


# ---------------------------------------------------------------------------------------------- the package
def test_package_has_the_ask_cli_layout(built: tuple[Path, manifest.Built]) -> None:
    out = built[0]
    resources = json.loads((out / "ask-resources.json").read_text(encoding="utf-8"))
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    assert profile == {"skillMetadata": {"src": "./skill-package"}}  # SAM deploys the code: no infrastructure
    assert (out / profile["skillMetadata"]["src"] / "skill.json").is_file()
    models = sorted(p.stem for p in (out / "skill-package" / "interactionModels" / "custom").iterdir())
    assert models == sorted(library().locales)


def test_packaged_models_are_the_checked_in_models(built: tuple[Path, manifest.Built]) -> None:
    custom = built[0] / "skill-package" / "interactionModels" / "custom"
    for locale in library().locales:
        assert (custom / f"{locale}.json").read_bytes() == (MODELS / f"{locale}.json").read_bytes(), locale


def test_skill_json_lists_every_locale_with_its_store_fields(skill_json: dict[str, Any],
                                                            listed: dict[str, dict[str, Any]]) -> None:
    m = skill_json["manifest"]
    assert m["manifestVersion"] == "1.0"
    assert sorted(listed) == sorted(library().locales)
    for locale, entry in listed.items():
        for key in ("name", "summary", "description"):
            assert isinstance(entry[key], str) and entry[key].strip(), (locale, key)
        assert entry["keywords"] and all(k.strip() for k in entry["keywords"]), locale
        assert entry["name"] == library().for_locale(locale).phrase("skill_name")
    publishing = m["publishingInformation"]
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    assert publishing["isAvailableWorldwide"] is False
    assert publishing["distributionCountries"] == ["AU", "CA", "ES", "GB", "IN", "MX", "US"]
    assert publishing["testingInstructions"].strip()
    assert m["privacyAndCompliance"] == {
        "allowsPurchases": False, "usesPersonalInfo": False, "isChildDirected": False, "isExportCompliant": True,
        "containsAds": False,
        "locales": {locale: {"privacyPolicyUrl": PRIVACY} for locale in library().locales},
    }


def test_descriptions_say_general_information_and_no_substitute_for_medical_advice(
        listed: dict[str, dict[str, Any]]) -> None:
    for locale, entry in listed.items():
        lang = language(locale)
        assert lang in NOT_MEDICAL_ADVICE, f"add the {lang!r} wording of the disclaimer check for {locale}"
        description = entry["description"].lower()
        assert re.search(GENERAL_INFORMATION[lang], description), locale
        assert re.search(NOT_MEDICAL_ADVICE[lang], description), locale


def test_endpoint_icons_and_screens_are_declared(listed: dict[str, dict[str, Any]],
                                                 skill_json: dict[str, Any]) -> None:
    custom = skill_json["manifest"]["apis"]["custom"]
    assert custom["endpoint"] == {"uri": ENDPOINT}
    types = [i["type"] for i in custom["interfaces"]]
    apl = custom["interfaces"][types.index("ALEXA_PRESENTATION_APL")]
    shapes = {(v["mode"], v["shape"]) for v in apl["supportedViewports"]}
    assert shapes == {("HUB", "ROUND"), ("HUB", "RECTANGLE"), ("TV", "RECTANGLE")}
    # Amazon's required profiles, and the small landscape hub (Echo Show 5) it recommends.
    profiles = {(v["mode"], v["shape"], v["minWidth"], v["maxWidth"], v["minHeight"], v["maxHeight"])
                for v in apl["supportedViewports"]}
    assert profiles >= {("HUB", "ROUND", 100, 599, 100, 599), ("HUB", "RECTANGLE", 960, 1279, 100, 599),
                        ("HUB", "RECTANGLE", 960, 1279, 600, 959), ("HUB", "RECTANGLE", 1280, 1920, 600, 1279),
                        ("TV", "RECTANGLE", 960, 960, 540, 540)}
    # Declared only when the skill really answers CanFulfillIntentRequest (a verdict, no speech).
    assert ("CAN_FULFILL_INTENT_REQUEST" in types) == manifest.answers_can_fulfill(library())
    for entry in listed.values():
        assert (entry["smallIconUri"], entry["largeIconUri"]) == (SMALL_ICON, LARGE_ICON)


def test_without_options_the_package_says_what_deploying_still_needs(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--output", str(tmp_path)]) == 0
    m = json.loads((tmp_path / "skill-package" / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert "endpoint" not in m["apis"]["custom"]
    assert "locales" not in m["privacyAndCompliance"]
    for entry in m["publishingInformation"]["locales"].values():
        assert "smallIconUri" not in entry and "largeIconUri" not in entry
    err = capsys.readouterr().err
    assert "--endpoint-arn" in err and "LiveAliasArn" in err
    assert "--icon-small-url" in err and "certification" in err


def test_bad_option_values_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flag, value in (("--endpoint-arn", "my-function"), ("--icon-small-url", "http://example.com/a.png"),
                        ("--skill-id", "spine-coach")):
        with pytest.raises(SystemExit) as exit_info:
            main(["manifest", "--output", str(tmp_path), flag, value])
        assert exit_info.value.code == 2
        assert flag in capsys.readouterr().err
    assert not (tmp_path / "skill-package").exists()


def test_rebuild_is_identical_and_keeps_the_ask_cli_state(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    manifest.build_package(first, manifest.Options(endpoint_arn=ENDPOINT))
    manifest.build_package(second, manifest.Options(endpoint_arn=ENDPOINT))
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)

    # What `ask deploy` stored survives a rebuild; a model of a dropped locale does not.
    states = first / ".ask" / "ask-states.json"
    states.parent.mkdir()
    stored = {"askcliStatesVersion": "2020-03-31", "profiles": {"default": {
        "skillId": "amzn1.ask.skill.11111111-2222-4333-8444-555555555555",
        "skillMetadata": {"lastDeployHash": "abc"}}}}
    states.write_text(json.dumps(stored), encoding="utf-8")
    dropped = first / "skill-package" / "interactionModels" / "custom" / "fr-FR.json"
    dropped.write_text("{}", encoding="utf-8")
    manifest.build_package(first, manifest.Options(endpoint_arn=ENDPOINT))
    assert json.loads(states.read_text(encoding="utf-8")) == stored
    assert not dropped.exists()

    # --skill-id points the ASK CLI at an existing skill, keeping the rest of its state.
    skill_id = "amzn1.ask.skill.0f1e2d3c-4b5a-4697-8899-aabbccddeeff"
    manifest.build_package(first, manifest.Options(skill_id=skill_id))
    profile = json.loads(states.read_text(encoding="utf-8"))["profiles"]["default"]
    assert profile == {"skillId": skill_id, "skillMetadata": {"lastDeployHash": "abc"}}


# ----------------------------------------------------------------------------------------- example phrases
def split_phrase(locale: str, phrase: str) -> tuple[str, str]:
    """(launch word, request after the invocation name); fails the test when the phrase does not name the skill."""
    invocation = library().for_locale(locale).invocation
    words = "|".join(sorted(map(re.escape, LAUNCH_WORDS[language(locale)]), key=len, reverse=True))
    match = re.match(rf"^Alexa, ({words}) {re.escape(invocation)}(?:[ ,]+(.*))?$", phrase, re.IGNORECASE)
    assert match, f"{locale}: {phrase!r} must be 'Alexa, <launch word> {invocation} ...'"
    return match.group(1).lower(), (match.group(2) or "").strip()


def test_each_locale_has_one_to_three_phrases_that_name_the_skill(listed: dict[str, dict[str, Any]]) -> None:
    for locale, entry in listed.items():
        phrases = entry["examplePhrases"]
        assert 1 <= len(phrases) <= 3, locale
        assert len(set(phrases)) == len(phrases), locale
        for phrase in phrases:
            split_phrase(locale, phrase)


def test_every_example_phrase_reaches_an_intent_through_the_model(listed: dict[str, dict[str, Any]]) -> None:
    for locale, entry in listed.items():
        nlu = Understander.for_locale(locale, MODELS)
        lang = language(locale)
        for phrase in entry["examplePhrases"]:
            _, request = split_phrase(locale, phrase)
            whole = nlu.resolve(phrase)
            if not request:  # "Alexa, open spine coach": the launch is the answer
                assert whole.intent == LAUNCH, (locale, phrase)
                continue
            assert whole.intent not in (FALLBACK, LAUNCH) and whole.invoked, (locale, phrase, whole)
            assert whole.confidence >= 0.9, (locale, phrase, whole)  # an exact sample, not a near miss
            for slot in whole.slots.values():  # slot values are listed values, resolved as Alexa would
                assert slot.resolved_id, (locale, phrase, slot)
            # The request on its own (without a connecting word) is what the model knows.
            first, _, rest = request.partition(" ")
            candidates = [request] + ([rest] if first.lower() in CONNECTORS[lang] else [])
            alone = [nlu.resolve(c) for c in candidates]
            assert any(r.intent == whole.intent and r.confidence >= 0.9 for r in alone), (locale, request, alone)


# ---------------------------------------------------------------------------------------- broken listings
@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the 1-based line where it was, so a test can expect that line."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def problems_of(content: Path) -> list[str]:
    with pytest.raises(ContentError) as error:
        manifest.load_listings(library(), content)
    return error.value.problems


def test_a_missing_field_is_named_with_file_and_line(content_copy: Path) -> None:
    listing = content_copy / "en" / "listing.yaml"
    text = listing.read_text(encoding="utf-8")
    start = text.index("summary: >-")
    end = text.index("description: |-")
    listing.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = problems_of(content_copy)
    assert any(re.search(r"en/listing\.yaml:\d+: summary: missing$", p) for p in problems), problems


def test_four_example_phrases_are_too_many(content_copy: Path) -> None:
    listing = content_copy / "en" / "listing.yaml"
    edit(listing, "  - Alexa, open spine coach\n", "  - Alexa, open spine coach\n  - Alexa, start spine coach\n")
    line = listing.read_text(encoding="utf-8").splitlines().index("example_phrases:") + 1  # the field's own line
    problems = problems_of(content_copy)
    assert any(re.search(rf"en/listing\.yaml:{line}: example_phrases: has 4 entries; the store allows at most 3",
                         p) for p in problems), problems


def test_a_phrase_with_another_invocation_name_is_refused(content_copy: Path) -> None:
    listing = content_copy / "en" / "listing.yaml"
    line = edit(listing, "Alexa, ask spine coach why my back cracks", "Alexa, ask back coach why my back cracks")
    problems = problems_of(content_copy)
    expected = (rf"en/listing\.yaml:{line}: example_phrases\[1\]: 'Alexa, ask back coach why my back cracks' "
                r"must name the skill as 'spine coach' right after 'ask' \(locale en-US, en-GB, en-CA, en-AU, en-IN\)")
    assert any(re.search(expected, p) for p in problems), problems


def test_a_wrong_invocation_in_a_locale_override_names_the_override(content_copy: Path) -> None:
    listing = content_copy / "es" / "listing.yaml"
    text = listing.read_text(encoding="utf-8")
    at = text.index("  es-US:")
    old = "Alexa, abre entrenador de espalda\n"
    cut = text.index(old, at)
    listing.write_text(text[:cut] + "Alexa, abre entrenador de columna\n" + text[cut + len(old):], encoding="utf-8")
    line = text[:cut].count("\n") + 1
    problems = problems_of(content_copy)
    assert any(re.search(rf"es/listing\.yaml:{line}: overrides\.es-US\.example_phrases\[0\]: .*"
                         r"'entrenador de espalda'.*\(locale es-US\)", p) for p in problems), problems


def test_a_description_without_the_disclaimer_is_refused(content_copy: Path) -> None:
    listing = content_copy / "es" / "listing.yaml"
    line = edit(listing, "  Entrenador de Espalda ofrece solo información general y no sustituye el consejo médico "
                         "profesional, el diagnóstico ni el tratamiento. Si tienes",
                "  Si tienes")
    problems = problems_of(content_copy)
    assert any(re.search(r"es/listing\.yaml:\d+: description: must contain the disclaimer", p)
               for p in problems), (line, problems)


def test_a_phrase_the_model_does_not_know_stops_the_build(content_copy: Path, tmp_path: Path) -> None:
    listing = content_copy / "en" / "listing.yaml"
    line = edit(listing, "Alexa, ask spine coach why my back cracks", "Alexa, ask spine coach to play some jazz")
    with pytest.raises(ContentError) as error:
        manifest.build_package(tmp_path / "out", content_dir=content_copy)
    expected = (rf"en/listing\.yaml:{line}: example_phrases\[1\]: 'Alexa, ask spine coach to play some jazz' does "
                r"not reach an intent \(.*\) through interaction_models/\{en-AU,en-CA,en-GB,en-IN,en-US\}\.json")
    assert any(re.search(expected, p) for p in error.value.problems), error.value.problems
    assert not (tmp_path / "out").exists()


def test_a_missing_listing_file_is_reported(content_copy: Path) -> None:
    (content_copy / "es" / "listing.yaml").unlink()
    problems = problems_of(content_copy)
    assert any(re.search(r"es/listing\.yaml:1: \(file\): cannot be read", p) for p in problems), problems


@pytest.mark.parametrize(("arn", "why"), [
    ("arn:aws:lambda:us-east-1:123456789012:function:spine-coach-SpineCoachFunction-AbC123", "names no alias"),
    ("arn:aws:lambda:us-east-1:123456789012:function:spine-coach-SpineCoachFunction-AbC123:7", "names version '7'"),
    ("arn:aws:lambda:us-east-1:123456789012:function:spine-coach-SpineCoachFunction-AbC123:$LATEST",
     "names version '$LATEST'"),
], ids=["bare-function", "version", "latest"])
def test_an_endpoint_arn_without_an_alias_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     arn: str, why: str) -> None:
    """The README says to paste LiveAliasArn (ends in :live); the plain FunctionArn would silently not work."""
    with pytest.raises(SystemExit) as exit_info:
        main(["manifest", "--output", str(tmp_path), "--endpoint-arn", arn])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert why in err and "LiveAliasArn" in err and ":live" in err
    assert not (tmp_path / "skill-package").exists()


def test_any_alias_is_accepted_as_the_endpoint(tmp_path: Path) -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:spine-coach-SpineCoachFunction-AbC123:canary"
    assert main(["manifest", "--output", str(tmp_path), "--endpoint-arn", arn]) == 0
    m = json.loads((tmp_path / "skill-package" / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert m["apis"]["custom"]["endpoint"] == {"uri": arn}


def test_the_reminders_permission_is_declared(skill_json: dict[str, Any]) -> None:
    """The skill asks for reminders by voice; Alexa only offers that for a permission the manifest declares."""
    assert {"name": "alexa::alerts:reminders:skill:readwrite"} in skill_json["manifest"]["permissions"]
