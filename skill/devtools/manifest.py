"""The ASK CLI skill package: ``python -m skill manifest [--output build/skill-package]``.

Why generate it: the store listing (names, descriptions, example phrases, keywords) is content, kept per
language in ``skill/content/<lang>/listing.yaml`` beside the words the skill speaks, and the interaction models
are generated from content too. Writing ``skill.json`` by hand would let the listing drift from the models:
an example phrase that no longer matches a sample utterance is the most common reason Amazon refuses a skill.
So the package is built from the repository's own files, and the build refuses a listing whose phrases do not
resolve through the model it ships.

Output (the ASK CLI v2 project layout, ready for ``ask deploy --target skill-metadata``)::

    <output>/ask-resources.json                               skillMetadata.src = ./skill-package
    <output>/skill-package/skill.json                         the manifest
    <output>/skill-package/interactionModels/custom/<locale>.json   copies of interaction_models/<locale>.json

``ask-resources.json`` has no ``skillInfrastructure`` and no ``code``: the Lambda is deployed by SAM
(template.yaml), so the ASK CLI only uploads the manifest and the models. The ASK CLI keeps the skill id it
creates in ``<output>/.ask/ask-states.json``; rebuilding never touches that file (``--skill-id`` writes it, to
update a skill made in the developer console instead of creating a second one).

The output is deterministic (sorted keys, fixed order): the ASK CLI skips the upload when the package's hash
is unchanged, and two builds of one commit compare equal.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.core.content import CONTENT_DIR, CONTENT_DIR_ENV, Library, library
from skill.core.content_rules import ContentError
from skill.core.yamlfile import LocatedDoc, Path_, load_located
from skill.devtools.models import MODELS_DIR, stale_models

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = Path("build/skill-package")
LISTING_FILE = "listing.yaml"
PACKAGE_DIR = "skill-package"
MODELS_SUBDIR = ("interactionModels", "custom")

MANIFEST_VERSION = "1.0"
ASK_RESOURCES_VERSION = "2020-03-31"  # askcliResourcesVersion of ASK CLI v2 (lib/model/resources-config)
ASK_STATES_VERSION = "2020-03-31"  # askcliStatesVersion of .ask/ask-states.json
# Amazon's own custom-skill manifest example uses this category (developer.amazon.com .../skill-manifest-examples).
CATEGORY = "HEALTH_AND_FITNESS"

# The viewport profiles every APL skill must support, as the manifest lists them (developer.amazon.com
# .../apl-support-for-your-skill.html): hubRoundSmall, hubLandscapeMedium, hubLandscapeLarge, tvLandscapeXLarge;
# and hubLandscapeSmall (Echo Show 5: 960 to 1279 wide, under 600 high), which Amazon recommends. Each is drawn by
# Amazon's renderer in tests/test_screens_apl.py before it is declared here.
APL_VIEWPORTS: tuple[dict[str, Any], ...] = (
    {"mode": "HUB", "shape": "ROUND", "minWidth": 100, "maxWidth": 599, "minHeight": 100, "maxHeight": 599},
    {"mode": "HUB", "shape": "RECTANGLE", "minWidth": 960, "maxWidth": 1279, "minHeight": 100, "maxHeight": 599},
    {"mode": "HUB", "shape": "RECTANGLE", "minWidth": 960, "maxWidth": 1279, "minHeight": 600, "maxHeight": 959},
    {"mode": "HUB", "shape": "RECTANGLE", "minWidth": 1280, "maxWidth": 1920, "minHeight": 600, "maxHeight": 1279},
    {"mode": "TV", "shape": "RECTANGLE", "minWidth": 960, "maxWidth": 960, "minHeight": 540, "maxHeight": 540},
)

# Store limits of the developer console's Distribution page (checked here so an upload is not refused later).
MAX_NAME = 50
MAX_SUMMARY = 160
MAX_DESCRIPTION = 4000
MAX_PHRASES = 3
MAX_KEYWORDS = 30
MAX_TESTING_INSTRUCTIONS = 4000

WAKE = "Alexa, "
# Launch words Alexa accepts before an invocation name, per language. Grammar of the platform, not our prose.
LAUNCH_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("open", "ask", "tell", "start", "launch", "begin", "talk to", "run", "load", "use"),
    "es": ("abre", "pide a", "pídele a", "pregunta a", "pregúntale a", "dile a", "inicia", "empieza", "comienza",
           "usa", "habla con"),
}
# An example phrase must reach its intent through an exact sample match: the offline NLU's tolerant matches
# never score above 0.89, so this is "the request is one of the sample utterances" (Amazon's certification rule).
MIN_CONFIDENCE = 0.9

REQUIRED_FIELDS = ("name", "summary", "description", "disclaimer", "example_phrases", "keywords")
LOCALE_FIELDS = frozenset({"name", "summary", "description", "example_phrases", "keywords"})
KNOWN_FIELDS = frozenset({*REQUIRED_FIELDS, "testing_instructions", "overrides"})

LAMBDA_ARN_RE = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9$_-]+)?$")
# The endpoint must name an alias (SAM's LiveAliasArn ends in :live): the AlexaSkill permission and the SnapStart
# snapshot belong to the alias's version, so the bare function ($LATEST), $LATEST or a version number would not do.
ALIAS_RE = re.compile(r"^(?!\d+$)[A-Za-z0-9_-]+$")
SKILL_ID_RE = re.compile(r"^amzn1\.ask\.skill\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PROBE_SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"


# ------------------------------------------------------------------------------------------------ listing
@dataclass(frozen=True)
class LocaleListing:
    """What the store shows in one locale, after the language's per-locale overrides."""

    name: str
    summary: str
    description: str
    example_phrases: tuple[str, ...]
    keywords: tuple[str, ...]
    # where each example phrase was written, for error messages: (doc, path)
    phrase_origins: tuple[tuple[LocatedDoc, Path_], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Listing:
    """One language's listing.yaml, validated."""

    language: str
    locales: dict[str, LocaleListing]
    disclaimer: str
    testing_instructions: str | None


def _display(path: Path) -> str:
    """Paths in messages relative to the working directory when possible, like the content validator's."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _text(doc: LocatedDoc, data: dict[str, Any], path: Path_, key: str, limit: int,
          problems: list[str], *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.append(doc.problem((*path, key), "missing"))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(doc.problem((*path, key), "must be non-empty text"))
        return None
    if len(value) > limit:
        problems.append(doc.problem((*path, key), f"is {len(value)} characters; the store allows {limit}"))
    if "<" in value or ">" in value:
        problems.append(doc.problem((*path, key), "must be plain text: no markup"))
    return value


def _strings(doc: LocatedDoc, data: dict[str, Any], path: Path_, key: str, most: int,
             problems: list[str]) -> list[str] | None:
    value = data.get(key)
    if value is None:
        problems.append(doc.problem((*path, key), "missing"))
        return None
    if not isinstance(value, list) or not value:
        problems.append(doc.problem((*path, key), "must be a non-empty list"))
        return None
    if len(value) > most:
        problems.append(doc.problem((*path, key), f"has {len(value)} entries; the store allows at most {most}"))
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append(doc.problem((*path, key, i), "must be non-empty text"))
        else:
            out.append(item)
    if len({item.casefold() for item in out}) < len(out):
        problems.append(doc.problem((*path, key), "lists the same entry twice"))
    return out


def _fields(doc: LocatedDoc, data: dict[str, Any], path: Path_, problems: list[str], *,
            required: bool) -> dict[str, Any]:
    """The per-locale fields present in ``data`` (all required at the top level, any subset in overrides)."""
    out: dict[str, Any] = {}
    limits = {"name": MAX_NAME, "summary": MAX_SUMMARY, "description": MAX_DESCRIPTION}
    for key, limit in limits.items():
        if required or key in data:
            out[key] = _text(doc, data, path, key, limit, problems)
    if required or "example_phrases" in data:
        out["example_phrases"] = _strings(doc, data, path, "example_phrases", MAX_PHRASES, problems)
    if required or "keywords" in data:
        keywords = _strings(doc, data, path, "keywords", MAX_KEYWORDS, problems)
        for i, keyword in enumerate(keywords or []):
            if "," in keyword:
                problems.append(doc.problem((*path, "keywords", i), "one keyword per entry, without commas"))
        out["keywords"] = keywords
    return out


def phrase_problem(phrase: str, language: str, invocation: str) -> str | None:
    """Why ``phrase`` is not "Alexa, <launch word> <invocation name>[ <request>]", or None when it is.

    Amazon shows these phrases under "Try saying"; each must wake Alexa and name this skill, or a user who
    reads it aloud reaches another skill, or none.
    """
    if not phrase.startswith(WAKE):
        return f"must start with {WAKE!r} (the wake word and a comma)"
    rest = phrase[len(WAKE):].strip().casefold()
    for word in sorted(LAUNCH_WORDS.get(language, ()), key=len, reverse=True):
        if rest.startswith(word + " "):
            after = rest[len(word) + 1:]
            if after == invocation or after.startswith(invocation + " ") or after.startswith(invocation + ","):
                return None
            return f"must name the skill as {invocation!r} right after {word!r}"
    words = ", ".join(repr(w) for w in LAUNCH_WORDS.get(language, ()))
    return f"must follow {WAKE.strip()!r} with a launch word ({words}) and the invocation name {invocation!r}"


def load_listing(language: str, lib: Library, content_dir: Path) -> Listing:
    """Read and check ``<content_dir>/<language>/listing.yaml`` for every locale that speaks ``language``."""
    path = content_dir / language / LISTING_FILE
    doc = load_located(path, _display(path))
    problems: list[str] = []
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "must be a mapping of listing fields"))
    for key in sorted(set(data) - KNOWN_FIELDS):
        problems.append(doc.problem((key,), f"unknown field; allowed: {', '.join(sorted(KNOWN_FIELDS))}"))
    base = _fields(doc, data, (), problems, required=True)
    disclaimer = _text(doc, data, (), "disclaimer", MAX_DESCRIPTION, problems)
    testing = _text(doc, data, (), "testing_instructions", MAX_TESTING_INSTRUCTIONS, problems, required=False)
    if lib.for_locale(lib.fallback).language == language and "testing_instructions" not in data:
        problems.append(doc.problem(("testing_instructions",), "missing: the fallback language's listing must "
                                    "tell Amazon's certification team how to test the skill"))
    spoken = [locale for locale in lib.locales if lib.for_locale(locale).language == language]
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        problems.append(doc.problem(("overrides",), "must map locales to the fields they change"))
        overrides = {}
    locales: dict[str, LocaleListing] = {}
    # (path, message) -> locales: a base field shared by five locales is reported once, naming them all
    per_locale: dict[tuple[Path_, str], list[str]] = {}
    for locale in sorted(overrides):
        if locale not in spoken:
            problems.append(doc.problem(("overrides", locale), f"is not a locale that speaks {language!r} in "
                                        f"locales.yaml ({', '.join(spoken) or 'none'})"))
        elif not isinstance(overrides[locale], dict):
            problems.append(doc.problem(("overrides", locale), "must map fields to their values"))
        else:
            for key in sorted(set(overrides[locale]) - LOCALE_FIELDS):
                problems.append(doc.problem(("overrides", locale, key),
                                            f"cannot be overridden; allowed: {', '.join(sorted(LOCALE_FIELDS))}"))
    for locale in spoken:
        content = lib.for_locale(locale)
        override = overrides.get(locale) if isinstance(overrides.get(locale), dict) else {}
        path_of: dict[str, Path_] = {key: (("overrides", locale) if key in override else ()) for key in LOCALE_FIELDS}
        values = {**base, **_fields(doc, override, ("overrides", locale), problems, required=False)}
        if values.get("name") is not None and values["name"] != content.phrase("skill_name"):
            per_locale.setdefault(((*path_of["name"], "name"), f"is {values['name']!r} but the skill calls itself "
                                   f"{content.phrase('skill_name')!r} (phrases.yaml skill_name)"), []).append(locale)
        if values.get("description") is not None and disclaimer is not None and disclaimer not in values["description"]:
            per_locale.setdefault(((*path_of["description"], "description"), "must contain the disclaimer word for "
                                   "word (general information, not medical advice)"), []).append(locale)
        origins = []
        for i, phrase in enumerate(values.get("example_phrases") or []):
            where = (*path_of["example_phrases"], "example_phrases", i)
            why = phrase_problem(phrase, language, content.invocation)
            if why:
                per_locale.setdefault((where, f"{phrase!r} {why}"), []).append(locale)
            origins.append((doc, where))
        if any(values.get(key) is None for key in LOCALE_FIELDS):
            continue
        locales[locale] = LocaleListing(values["name"], values["summary"], values["description"],
                                        tuple(values["example_phrases"]), tuple(values["keywords"]), tuple(origins))
    for (where, message), where_locales in per_locale.items():
        problems.append(doc.problem(where, f"{message} (locale {', '.join(where_locales)})"))
    if problems:
        raise ContentError(problems)
    return Listing(language, locales, disclaimer or "", testing)


def load_listings(lib: Library, content_dir: Path | str | None = None) -> dict[str, Listing]:
    """Every language's listing, all problems of all files reported together."""
    root = Path(content_dir or os.environ.get(CONTENT_DIR_ENV) or CONTENT_DIR)
    problems: list[str] = []
    listings: dict[str, Listing] = {}
    for language in sorted({lib.for_locale(locale).language for locale in lib.locales}):
        try:
            listings[language] = load_listing(language, lib, root)
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return listings


def unresolved_phrases(listing: Listing, locale: str, model: dict[str, Any]) -> list[tuple[LocatedDoc, Path_, str]]:
    """(doc, path, why) for each phrase of ``locale`` that the interaction model would not send to an intent.

    The offline NLU resolves the whole phrase the way Alexa does: wake word, launch word and invocation name,
    then the request. A bare "Alexa, open spine coach" is a launch; anything else must hit a sample utterance.
    """
    from skill.simulator.nlu import FALLBACK, LAUNCH, Understander

    understander = Understander.from_model(model, locale)
    found = []
    entry = listing.locales[locale]
    for phrase, (doc, where) in zip(entry.example_phrases, entry.phrase_origins, strict=True):
        result = understander.resolve(phrase)
        if result.intent == LAUNCH:
            continue
        if result.intent == FALLBACK or result.confidence < MIN_CONFIDENCE or not result.invoked:
            nearest = result.nearest if result.intent == FALLBACK else result.intent
            closest = f"closest: {nearest} at {result.confidence:.2f}" if nearest else "nothing close"
            found.append((doc, where, f"{phrase!r} does not reach an intent ({closest})"))
    return found


def example_phrase_problems(listings: dict[str, Listing], lib: Library, models: dict[str, str]) -> list[str]:
    """Every unresolved phrase once, naming the locales whose model does not know it."""
    where_locales: dict[tuple[str, Path_, str], tuple[LocatedDoc, list[str]]] = {}
    for locale, text in models.items():
        listing = listings[lib.for_locale(locale).language]
        for doc, where, why in unresolved_phrases(listing, locale, json.loads(text)):
            where_locales.setdefault((doc.file, where, why), (doc, []))[1].append(locale)
    problems = []
    for (_, where, why), (doc, locales) in where_locales.items():
        models_named = locales[0] if len(locales) == 1 else "{" + ",".join(locales) + "}"
        problems.append(doc.problem(where, f"{why} through interaction_models/{models_named}.json: the request "
                                    "after the invocation name must be one of the sample utterances"))
    return problems


# ----------------------------------------------------------------------------------------------- manifest
@dataclass(frozen=True)
class Options:
    """What the repository cannot know: where the code runs, where the icons and policies are hosted."""

    endpoint_arn: str | None = None
    icon_small_url: str | None = None
    icon_large_url: str | None = None
    privacy_policy_url: str | None = None
    terms_of_use_url: str | None = None
    skill_id: str | None = None


def answers_can_fulfill(lib: Library) -> bool:
    """True when the skill answers a CanFulfillIntentRequest as Alexa requires: a verdict and no speech.

    Declaring CAN_FULFILL_INTENT_REQUEST makes Alexa send such requests; a skill without a handler for them
    answers with an apology, which fails certification. So the manifest declares the interface only when the
    real skill, asked here with and without a session object (Alexa's examples carry none), answers properly.
    """
    import logging

    from skill.assembly import build_skill
    from skill.entry import handle_event

    content = lib.for_locale(lib.fallback)
    intent = next(iter(content.topics.values())).intent
    system = {"application": {"applicationId": PROBE_SKILL_ID}, "user": {"userId": "amzn1.ask.account.PROBE"},
              "device": {"deviceId": "amzn1.ask.device.PROBE", "supportedInterfaces": {}},
              "apiEndpoint": "https://api.amazonalexa.com"}
    bare = {
        "version": "1.0",
        "context": {"System": system},
        "request": {"type": "CanFulfillIntentRequest", "requestId": "amzn1.echo-api.request.PROBE",
                    "timestamp": "2024-01-01T00:00:00Z", "locale": lib.fallback,
                    "intent": {"name": intent, "slots": {}}},
    }
    with_session = {**bare, "session": {"new": True, "sessionId": "amzn1.echo-api.session.PROBE", "attributes": {},
                                        "application": system["application"], "user": system["user"]}}
    skill = build_skill(store="memory://", skill_id=PROBE_SKILL_ID)
    log = logging.getLogger("spine_coach")
    was_disabled, log.disabled = log.disabled, True  # an unhandled request type logs a stack trace: expected here
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # and the per-request log line
            replies = [handle_event(event, None, skill) for event in (bare, with_session)]
    except Exception:
        return False
    finally:
        log.disabled = was_disabled
    responses = [reply.get("response") or {} for reply in replies]
    return all("canFulfillIntent" in r and "outputSpeech" not in r for r in responses)


# Reminders: the daily habit sets "time to stretch" reminders (asked by voice; see skill/handlers/habits.py).
PERMISSIONS = ("alexa::alerts:reminders:skill:readwrite",)


def build_manifest(lib: Library, listings: dict[str, Listing], options: Options, *,
                   can_fulfill: bool = False) -> dict[str, Any]:
    """skill.json for every locale of the content, deterministic for given content and options."""
    publishing_locales: dict[str, Any] = {}
    privacy_locales: dict[str, Any] = {}
    for locale in sorted(lib.locales):
        entry = listings[lib.for_locale(locale).language].locales[locale]
        info: dict[str, Any] = {
            "name": entry.name,
            "summary": entry.summary,
            "description": entry.description,
            "examplePhrases": list(entry.example_phrases),
            "keywords": list(entry.keywords),
        }
        if options.icon_small_url:
            info["smallIconUri"] = options.icon_small_url
        if options.icon_large_url:
            info["largeIconUri"] = options.icon_large_url
        publishing_locales[locale] = info
        policy = {key: url for key, url in (("privacyPolicyUrl", options.privacy_policy_url),
                                            ("termsOfUseUrl", options.terms_of_use_url)) if url}
        if policy:
            privacy_locales[locale] = policy
    testing = listings[lib.for_locale(lib.fallback).language].testing_instructions
    interfaces: list[dict[str, Any]] = [
        {"type": "ALEXA_PRESENTATION_APL", "supportedViewports": [dict(v) for v in APL_VIEWPORTS]}]
    if can_fulfill:
        interfaces.append({"type": "CAN_FULFILL_INTENT_REQUEST"})
    custom: dict[str, Any] = {"interfaces": interfaces}
    if options.endpoint_arn:
        custom["endpoint"] = {"uri": options.endpoint_arn}
    privacy: dict[str, Any] = {
        "allowsPurchases": False,
        "usesPersonalInfo": False,
        "isChildDirected": False,
        "isExportCompliant": True,
        "containsAds": False,
    }
    if privacy_locales:
        privacy["locales"] = privacy_locales
    return {"manifest": {
        "manifestVersion": MANIFEST_VERSION,
        "publishingInformation": {
            "locales": publishing_locales,
            "isAvailableWorldwide": False,
            "distributionCountries": countries(lib.locales),
            "distributionMode": "PUBLIC",
            "category": CATEGORY,
            "testingInstructions": testing or "",
        },
        "apis": {"custom": custom},
        "permissions": [{"name": scope} for scope in PERMISSIONS],
        "privacyAndCompliance": privacy,
    }}


def countries(locales: Iterable[str]) -> list[str]:
    """ISO 3166 countries of the locales (es-US and en-US are both the US)."""
    return sorted({locale.split("-", 1)[1].upper() for locale in locales})


def ask_resources() -> dict[str, Any]:
    """The ASK CLI v2 project file: only skill metadata, because SAM deploys the code."""
    return {"askcliResourcesVersion": ASK_RESOURCES_VERSION,
            "profiles": {"default": {"skillMetadata": {"src": f"./{PACKAGE_DIR}"}}}}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# ----------------------------------------------------------------------------------------------- package
@dataclass
class Built:
    """What a build wrote, and what the person deploying still has to provide."""

    files: list[Path]
    notes: list[str]
    manifest: dict[str, Any]


def _write(path: Path, text: str, files: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    files.append(path)


def _write_skill_id(output: Path, skill_id: str, files: list[Path]) -> None:
    """Record the skill id where the ASK CLI looks for it, keeping whatever else it stored there."""
    states_path = output / ".ask" / "ask-states.json"
    states: dict[str, Any] = {"askcliStatesVersion": ASK_STATES_VERSION, "profiles": {}}
    if states_path.exists():
        with contextlib.suppress(ValueError):
            loaded = json.loads(states_path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                states = loaded
    states.setdefault("profiles", {}).setdefault("default", {})["skillId"] = skill_id
    _write(states_path, render(states), files)


def build_package(output: Path | str = DEFAULT_OUTPUT, options: Options | None = None, *,
                  lib: Library | None = None, content_dir: Path | str | None = None,
                  models_dir: Path = MODELS_DIR) -> Built:
    """Check listing and models, then write the ASK CLI project under ``output``.

    Raises ContentError (file, line, field) for a broken listing, a phrase the model cannot resolve, or
    interaction models that are out of date with the content.
    """
    options = options or Options()
    lib = lib or library()
    listings = load_listings(lib, content_dir)
    stale = stale_models(lib, models_dir)
    if stale:
        raise ContentError([f"interaction_models/{problem}" for problem in stale])
    models = {locale: (models_dir / f"{locale}.json").read_text(encoding="utf-8") for locale in sorted(lib.locales)}
    problems = example_phrase_problems(listings, lib, models)
    if problems:
        raise ContentError(problems)

    can_fulfill = answers_can_fulfill(lib)
    manifest = build_manifest(lib, listings, options, can_fulfill=can_fulfill)
    out = Path(output)
    package = out / PACKAGE_DIR
    files: list[Path] = []
    _write(out / "ask-resources.json", render(ask_resources()), files)
    _write(package / "skill.json", render(manifest), files)
    custom = package.joinpath(*MODELS_SUBDIR)
    for locale, text in models.items():
        _write(custom / f"{locale}.json", text, files)
    for old in sorted(custom.glob("*.json")):
        if old.stem not in models:  # a locale the content no longer has must not be uploaded again
            old.unlink()
    if options.skill_id:
        _write_skill_id(out, options.skill_id, files)
    return Built(files, _notes(options, can_fulfill), manifest)


def _notes(options: Options, can_fulfill: bool) -> list[str]:
    notes = []
    if not options.endpoint_arn:
        notes.append("no --endpoint-arn: skill.json has no endpoint, so Alexa cannot reach the skill yet. After "
                     "`sam deploy`, rebuild with --endpoint-arn <LiveAliasArn> (it ends in :live) and deploy again.")
    missing = [flag for flag, url in (("--icon-small-url", options.icon_small_url),
                                      ("--icon-large-url", options.icon_large_url)) if not url]
    if missing:
        notes.append(f"no {' / '.join(missing)}: certification needs a 108x108 and a 512x512 PNG icon served over "
                     "https; the skill works in development without them.")
    if not can_fulfill:
        notes.append("CanFulfillIntentRequest is not declared: the skill has no handler for it yet (declaring it "
                     "would send Alexa requests the skill answers with speech, which fails certification).")
    return notes


# ---------------------------------------------------------------------------------------------------- CLI
def _https_url(value: str) -> str:
    if not re.match(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an https:// URL (Alexa only loads https)")
    return value


def _lambda_arn(value: str) -> str:
    if not LAMBDA_ARN_RE.match(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a Lambda alias ARN (arn:aws:lambda:<region>:<account>:function:<name>:<alias>)")
    qualifier = value.split(":")[7] if value.count(":") == 7 else ""
    if not ALIAS_RE.match(qualifier):
        what = f"version {qualifier!r}" if qualifier else "no alias"
        raise argparse.ArgumentTypeError(
            f"{value!r} names {what}: use the alias ARN that sam deploy prints as LiveAliasArn (it ends in :live), "
            "because Alexa's permission to invoke the function is granted to the alias")
    return value


def _skill_id(value: str) -> str:
    if not SKILL_ID_RE.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a skill id (amzn1.ask.skill.<uuid>)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"folder for ask-resources.json and skill-package/ (default {DEFAULT_OUTPUT})")
    parser.add_argument("--endpoint-arn", type=_lambda_arn, default=None,
                        help="the Lambda alias ARN that SAM outputs as LiveAliasArn (required before Alexa can "
                             "reach the skill)")
    parser.add_argument("--icon-small-url", type=_https_url, default=None, help="https URL of a 108x108 PNG")
    parser.add_argument("--icon-large-url", type=_https_url, default=None, help="https URL of a 512x512 PNG")
    parser.add_argument("--privacy-policy-url", type=_https_url, default=None, help="for every locale (optional)")
    parser.add_argument("--terms-of-use-url", type=_https_url, default=None, help="for every locale (optional)")
    parser.add_argument("--skill-id", type=_skill_id, default=None,
                        help="an existing skill (made in the developer console) that `ask deploy` should update "
                             "instead of creating a new one; written to <output>/.ask/ask-states.json")


def run(args: argparse.Namespace) -> int:
    options = Options(args.endpoint_arn, args.icon_small_url, args.icon_large_url, args.privacy_policy_url,
                      args.terms_of_use_url, args.skill_id)
    built = build_package(args.output, options)
    for path in built.files:
        print(f"wrote {_display(path)}")
    for note in built.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"next: cd {_display(Path(args.output))} && ask deploy --target skill-metadata "
          "(uploads only skill.json and the interaction models)")
    return 0
