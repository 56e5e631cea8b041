"""Held-out evaluation: how well the offline understander predicts intents for phrasings nobody on the project wrote.

Why: samples and NLU tests come from the same hands, so they flatter the model. Three sets, each written by
someone who never read the samples, with expected intents (and slot ids) and out-of-domain sentences that must
reach AMAZON.FallbackIntent:

- tests/heldout/<lang>.yaml, the measure CI gates on. Its misses are never listed (not even with --misses):
  reading them and then changing samples would turn it into a development set, as happened to the first one.
- tests/heldout/dev/, the first set. Its misses were read while tuning, so it only guards against regressions;
  ``--dev --misses`` lists them.
- tests/heldout/sealed/, scored only with --sealed and reported only as aggregate figures.

``python -m skill evaluate`` prints accuracy, per-intent precision and recall, the confusion pairs and the
fallback rates; tests/test_heldout.py gates CI on them. AMAZON.StopIntent, CancelIntent and NavigateHomeIntent
count as one class, because the skill handles them alike (it says goodbye and ends the session).

Utterances whose intent the model does not declare yet are skipped and counted; they are scored automatically
once the intents appear.

Dev-only.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.simulator.nlu import FALLBACK, LAUNCH, Understander, fold, language_model, normalise

ROOT = Path(__file__).resolve().parents[2]
HELDOUT_DIR = ROOT / "tests" / "heldout"
DEV_DIR = HELDOUT_DIR / "dev"
SEALED_DIR = HELDOUT_DIR / "sealed"
MODELS_DIR = ROOT / "interaction_models"
#: The model each language is scored against (the other locales of a language share its samples).
LOCALE_OF = {"en": "en-US", "es": "es-ES"}
STOP_CLASS = "Stop/Cancel/Home"
_STOP_LIKE = {"AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"}
#: What CI requires per language, on all its held-out sets together (tests/test_heldout.py; on 1 Dec 2026: en 95.4%
#: of 699, fallbacks 95.6%; es 96.0% of 890, fallbacks 93.7%).
MIN_ACCURACY = 0.95
MIN_FALLBACK_RECALL = 0.90
#: The development set's regression floor (en 96.8%, es 98.2% on 1 Dec 2026; 91.1% and 92.9% when it became the
#: development set).
DEV_FLOOR_ACCURACY = 0.95


def merged(intent: str) -> str:
    """The class an intent is scored as: stop, cancel and navigate-home are one."""
    return STOP_CLASS if intent in _STOP_LIKE else intent


@dataclass(frozen=True)
class Case:
    text: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    source: str = ""


@dataclass
class Corpus:
    lang: str
    cases: list[Case]
    out_of_domain: list[Case]


def load_file(path: Path) -> Corpus:
    """One held-out file (format: language, utterances: [{text, intent, slots?}], out_of_domain: [text])."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    lang = str(data.get("language") or path.stem.split("_")[-1])
    cases = []
    for item in data.get("utterances") or []:
        slots = {str(k): str(v) for k, v in (item.get("slots") or {}).items()}
        cases.append(Case(str(item["text"]), str(item["intent"]), slots, path.name))
    ood = [Case(str(t), FALLBACK, {}, path.name) for t in data.get("out_of_domain") or []]
    return Corpus(lang, cases, ood)


def corpus_files(lang: str, folder: Path = HELDOUT_DIR) -> list[Path]:
    """tests/heldout/<lang>.yaml and any <name>_<lang>.yaml beside it (not the sealed folder)."""
    return sorted(p for p in folder.glob("*.yaml") if p.stem == lang or p.stem.endswith(f"_{lang}"))


def load(lang: str, folder: Path = HELDOUT_DIR) -> Corpus:
    files = corpus_files(lang, folder)
    corpus = Corpus(lang, [], [])
    for path in files:
        part = load_file(path)
        corpus.cases += part.cases
        corpus.out_of_domain += part.out_of_domain
    return corpus


@dataclass
class Report:
    lang: str
    locale: str
    n_in_domain: int
    correct: int
    false_fallbacks: int
    n_ood: int
    ood_caught: int
    slot_total: int
    slot_correct: int
    skipped: Counter[str]
    confusion: Counter[tuple[str, str]]
    per_intent: dict[str, tuple[int, int, int]]  # class -> (true positives, predicted, gold)
    misses: list[tuple[Case, str]]
    #: Scored in-domain utterances that are also samples (0 for imported corpora; the sealed set is not
    #: imported, so this says how much of its score is recall of samples rather than generalisation).
    also_samples: int = 0
    #: Per file of the corpus: [right in-domain, in-domain, fallbacks caught, out-of-domain]. A set written later
    #: is reported on its own too, so its first measurement is not blurred by a set that was measured before.
    by_source: dict[str, list[int]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n_in_domain if self.n_in_domain else 1.0

    @property
    def fallback_recall(self) -> float:
        return self.ood_caught / self.n_ood if self.n_ood else 1.0

    @property
    def false_fallback_rate(self) -> float:
        return self.false_fallbacks / self.n_in_domain if self.n_in_domain else 0.0


def evaluate(corpus: Corpus, understander: Understander) -> Report:
    declared = {merged(i) for i in language_model(understander.model).get("intents", [])
                for i in [i["name"]]}
    report = Report(corpus.lang, understander.locale, 0, 0, 0, 0, 0, 0, 0, Counter(), Counter(), {}, [])
    samples = sample_utterances(understander)
    tp: Counter[str] = Counter()
    predicted_n: Counter[str] = Counter()
    gold_n: Counter[str] = Counter()
    for case in corpus.cases:
        gold = merged(case.intent)
        if gold not in declared:
            report.skipped[case.intent] += 1
            continue
        res = understander.resolve(case.text)
        got = merged(res.intent if res.intent != LAUNCH else LAUNCH)
        report.n_in_domain += 1
        tally = report.by_source.setdefault(case.source, [0, 0, 0, 0])
        tally[0] += got == gold
        tally[1] += 1
        report.also_samples += fold(normalise(case.text, understander.lang)) in samples
        gold_n[gold] += 1
        predicted_n[got] += 1
        if got == gold:
            report.correct += 1
            tp[gold] += 1
        else:
            report.confusion[(gold, got)] += 1
            report.misses.append((case, got))
        if got == FALLBACK:
            report.false_fallbacks += 1
        for name, want in case.slots.items():
            report.slot_total += 1
            slot = res.slots.get(name)
            if got == gold and slot is not None and want in {slot.resolved_id, slot.value}:
                report.slot_correct += 1
    for case in corpus.out_of_domain:
        res = understander.resolve(case.text)
        report.n_ood += 1
        tally = report.by_source.setdefault(case.source, [0, 0, 0, 0])
        tally[2] += res.intent == FALLBACK
        tally[3] += 1
        predicted_n[merged(res.intent)] += 1
        gold_n[FALLBACK] += 1
        if res.intent == FALLBACK:
            report.ood_caught += 1
            tp[FALLBACK] += 1
        else:
            report.confusion[(FALLBACK, merged(res.intent))] += 1
            report.misses.append((case, res.intent))
    for name in sorted(set(gold_n) | set(predicted_n)):
        report.per_intent[name] = (tp[name], predicted_n[name], gold_n[name])
    return report


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "   n/a"


def summary(report: Report) -> list[str]:
    """The aggregate figures only (what --sealed prints)."""
    return [
        f"{report.lang} ({report.locale}): in-domain accuracy {_pct(report.correct, report.n_in_domain)} "
        f"({report.correct}/{report.n_in_domain}); correct fallbacks {_pct(report.ood_caught, report.n_ood)} "
        f"({report.ood_caught}/{report.n_ood}); false fallbacks {_pct(report.false_fallbacks, report.n_in_domain)}"
        + (f"; slots {_pct(report.slot_correct, report.slot_total)} ({report.slot_correct}/{report.slot_total})"
           if report.slot_total else "")
        + (f"; {report.also_samples} of the {report.n_in_domain} in-domain utterances are samples"
           if report.also_samples else ""),
        *(f"  {source}: in-domain {_pct(right, n)} ({right}/{n}); correct fallbacks {_pct(caught, n_ood)} "
          f"({caught}/{n_ood})" for source, (right, n, caught, n_ood) in sorted(report.by_source.items())
          if len(report.by_source) > 1),
    ]


def render(report: Report, *, misses: bool = False) -> str:
    lines = summary(report)
    lines.append(f"  ({STOP_CLASS} is one class: AMAZON.StopIntent, CancelIntent and NavigateHomeIntent are "
                 "handled alike)")
    if report.skipped:
        lines.append("  skipped (intents not in the model yet): "
                     + ", ".join(f"{k} x{v}" for k, v in sorted(report.skipped.items())))
    width = max((len(k) for k in report.per_intent), default=10)
    lines.append(f"  {'intent':<{width}}  precision  recall   n")
    for name, (tp, predicted, gold) in report.per_intent.items():
        lines.append(f"  {name:<{width}}  {_pct(tp, predicted):>9}  {_pct(tp, gold):>6}  {gold:>3}")
    if report.confusion:
        lines.append("  confusions (expected -> got):")
        for (gold, got), n in report.confusion.most_common():
            lines.append(f"    {n:>3}  {gold} -> {got}")
    if misses:
        lines.append("  misses:")
        lines.extend(f"    {case.text!r}: expected {case.intent}, got {got}" for case, got in report.misses)
    return "\n".join(lines)


def sample_utterances(understander: Understander) -> set[str]:
    """Every sample of a model, each slot filled with every listed value and synonym, in matching form."""
    lm = language_model(understander.model)
    values = {t["name"]: [n for v in t.get("values", []) for n in (v["name"]["value"], *v["name"].get("synonyms", []))]
              for t in lm.get("types", [])}
    out: set[str] = set()
    for intent in lm.get("intents", []):
        types = {s["name"]: s["type"] for s in intent.get("slots", []) or []}
        for sample in intent.get("samples", []) or []:
            texts = [sample]
            for slot, type_name in types.items():
                texts = [t.replace(f"{{{slot}}}", v) for t in texts for v in values.get(type_name, ["x"])]
            out.update(fold(normalise(t, understander.lang)) for t in texts)
    return out


def import_corpus(source: Path, folder: Path = HELDOUT_DIR) -> tuple[Path, int, int]:
    """Copy a held-out file into tests/heldout/, moving utterances that are also samples to ``also_samples``.

    Why: a held-out utterance that is a sample measures nothing about generalisation; it is kept (visibly, under
    its own key, never scored) so the corpus writer's work is not lost. Returns (target, kept, moved).
    """
    with source.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    lang = str(data.get("language") or source.stem.split("_")[-1])
    samples = sample_utterances(understander_for(lang))
    kept, moved = [], list(data.get("also_samples") or [])
    for item in data.get("utterances") or []:
        (moved if fold(normalise(str(item["text"]), lang)) in samples else kept).append(item)
    ood = [t for t in data.get("out_of_domain") or [] if fold(normalise(str(t), lang)) not in samples]
    out = {"language": lang, "utterances": kept, "out_of_domain": ood, "also_samples": moved}
    if folder == DEV_DIR:
        header = (f"# Development set ({source.name}): written by someone who never read the samples, but its misses\n"
                  "# were READ while tuning (sample families, the understander), so it is no longer a measure of\n"
                  "# generalisation: it guards against regressions (tests/test_heldout.py) and is the only set whose\n"
                  "# misses may be listed (python -m skill evaluate --dev --misses). The measure is\n"
                  "# tests/heldout/<lang>.yaml, written afterwards. Imported with --dev --import; utterances that are\n"
                  "# also samples sit under also_samples (kept, never scored).\n")
    else:
        header = (f"# Held-out corpus ({source.name}), written by someone who never read the samples. Imported with\n"
                  f"# python -m skill evaluate --import {source.name}: utterances that are also samples sit under\n"
                  "# also_samples (kept, never scored). Never copy from this file into the samples, and never read\n"
                  "# its misses while tuning (the tools do not list them): that is what tests/heldout/dev/ is for.\n")
    target = folder / source.name
    target.write_text(header + yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return target, len(kept), len(moved)


def understander_for(lang: str, models_dir: Path = MODELS_DIR) -> Understander:
    return Understander.for_locale(LOCALE_OF.get(lang, lang), models_dir)


def _langs(locale: str | None, folder: Path) -> list[str]:
    if locale:
        return [locale.split("-")[0].lower()]
    return sorted({p.stem.split("_")[-1] for p in folder.glob("*.yaml")})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", help="language or locale to score (en, es, en-US...); default: every language")
    parser.add_argument("--sealed", action="store_true",
                        help="score tests/heldout/sealed/ instead, printing only aggregate figures")
    parser.add_argument("--dev", action="store_true",
                        help="score the development set tests/heldout/dev/ (the only set whose misses are listed)")
    parser.add_argument("--misses", action="store_true", help="list every miss (only with --dev)")
    parser.add_argument("--json", action="store_true", help="print the aggregate figures as JSON")
    parser.add_argument("--import", dest="imports", nargs="+", type=Path, metavar="FILE",
                        help="copy held-out files into tests/heldout/ (with --dev: tests/heldout/dev/), setting aside "
                             "utterances that are samples")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "imports", None):
        for source in args.imports:
            target, kept, moved = import_corpus(source, DEV_DIR if args.dev else HELDOUT_DIR)
            print(f"{target.relative_to(ROOT)}: {kept} utterances, {moved} set aside as samples")
        return 0
    if args.misses and not args.dev:
        print("--misses lists only the development set's misses (add --dev): the held-out and sealed sets stay "
              "unread, so that they keep measuring what nobody tuned for")
        return 2
    folder = SEALED_DIR if args.sealed else DEV_DIR if args.dev else HELDOUT_DIR
    langs = _langs(args.locale, folder)
    if not langs:
        print(f"no held-out files in {folder}")
        return 1
    out: dict[str, Any] = {}
    for lang in langs:
        corpus = load(lang, folder)
        report = evaluate(corpus, understander_for(lang))
        out[lang] = {"accuracy": report.accuracy, "fallback_recall": report.fallback_recall,
                     "false_fallback_rate": report.false_fallback_rate, "n": report.n_in_domain,
                     "n_ood": report.n_ood}
        if not args.json:
            print("\n".join(summary(report)) if args.sealed else render(report, misses=args.misses))
    if args.json:
        print(json.dumps(out, indent=2))
    return 0
