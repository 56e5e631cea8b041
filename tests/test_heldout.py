"""Held-out evaluation: phrasings nobody on the project wrote must reach the right intent.

tests/heldout/<lang>.yaml, third_<lang>.yaml, fourth_<lang>.yaml and fifth_es.yaml were written by helpers who saw
only the article and the list of intents, each after the first set (tests/heldout/dev/) had been read while tuning,
and each measured first after the sample work it judges. CI fails below 95% in-domain accuracy or 90% correct
fallbacks on a language's sets together; the development set must not fall below what it reached. The sealed set
(tests/heldout/sealed/) is never scored here (only ``python -m skill evaluate --sealed`` does): one test checks that
none of its sentences trains the fallback class.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

import pytest
import yaml

from skill.simulator import evaluate as ev
from skill.simulator.nlu import fold, normalise

LANGS = ("en", "es")


@cache
def _report(lang: str) -> ev.Report:
    return ev.evaluate(ev.load(lang), ev.understander_for(lang))


@pytest.mark.parametrize("folder", [ev.HELDOUT_DIR, ev.DEV_DIR], ids=["heldout", "dev"])
def test_the_corpora_are_big_enough(folder: Path) -> None:
    """As written: utterances that turned out to be samples are kept aside (also_samples), not scored."""
    for lang, minimum in (("en", 250), ("es", 150)):
        for path in [p for p in ev.corpus_files(lang, folder) if "red_flags" not in p.stem and "habits" not in p.stem]:
            _big_enough(path, lang, minimum)


def _big_enough(path: Path, lang: str, minimum: int) -> None:
    """Each set of a language on its own (the first, and each written later) is as big as the issue asks."""
    corpus = ev.load_file(path)
    aside = yaml.safe_load(path.read_text(encoding="utf-8")).get("also_samples") or []
    assert corpus.lang == lang
    assert len(corpus.cases) + len(aside) >= minimum, (path.name, len(corpus.cases), len(aside))
    assert len(corpus.out_of_domain) >= 60, (path.name, len(corpus.out_of_domain))


@pytest.mark.parametrize("lang", LANGS)
def test_in_domain_accuracy_and_fallbacks_meet_the_bar(lang: str) -> None:
    """All held-out sets of a language together; the figures only: the failure message never lists misses."""
    report = _report(lang)
    detail = "\n".join(ev.summary(report))
    assert report.accuracy >= ev.MIN_ACCURACY, detail
    assert report.fallback_recall >= ev.MIN_FALLBACK_RECALL, detail


@pytest.mark.parametrize("lang", LANGS)
def test_the_development_set_does_not_regress(lang: str) -> None:
    dev = ev.evaluate(ev.load(lang, ev.DEV_DIR), ev.understander_for(lang))
    detail = ev.render(dev, misses=True)
    assert dev.accuracy >= ev.DEV_FLOOR_ACCURACY, detail
    assert dev.fallback_recall >= ev.MIN_FALLBACK_RECALL, detail


@pytest.mark.parametrize("folder", [ev.HELDOUT_DIR, ev.DEV_DIR], ids=["heldout", "dev"])
@pytest.mark.parametrize("lang", LANGS)
def test_no_held_out_utterance_is_a_sample(lang: str, folder: Path) -> None:
    samples = ev.sample_utterances(ev.understander_for(lang))
    corpus = ev.load(lang, folder)
    leaked = [c.text for c in [*corpus.cases, *corpus.out_of_domain] if fold(normalise(c.text, lang)) in samples]
    # A count, never the sentences: a failure message must not show a held-out set's text.
    assert len(leaked) == 0, f"held-out utterances copied into the samples: {len(leaked)} in {folder.name}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_fallback_training_holds_no_held_out_sentence(lang: str) -> None:
    """out_of_domain.yaml trains the fallback class: a held-out sentence in it would flatter the fallback figures."""
    from skill.simulator.intent_model import out_of_domain

    training = {fold(normalise(t, lang)) for t in out_of_domain(lang)}
    held = [*(ev.load(lang, folder) for folder in (ev.HELDOUT_DIR, ev.DEV_DIR, ev.SEALED_DIR))]
    shared = [c.text for corpus in held for c in [*corpus.cases, *corpus.out_of_domain]
              if fold(normalise(c.text, lang)) in training]
    assert len(shared) == 0, f"{len(shared)} held-out sentences are also fallback training (count only)"


def test_misses_are_listed_only_for_the_development_set(capsys: pytest.CaptureFixture[str]) -> None:
    args = dict(locale="en", sealed=False, json=False, imports=None)
    assert ev.run(argparse.Namespace(**args, dev=False, misses=True)) == 2
    assert "development set" in capsys.readouterr().out
    assert ev.run(argparse.Namespace(**args, dev=True, misses=True)) == 0
    out = capsys.readouterr().out
    assert out.startswith("en (en-US): in-domain accuracy") and "  misses:" in out


def test_utterances_of_missing_intents_wait_until_the_intent_exists(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text(
        "language: en\nutterances:\n"
        "  - {text: why does my back crack, intent: WhyCrackIntent}\n"
        "out_of_domain: [what's the weather in paris]\n", encoding="utf-8")
    (tmp_path / "habits_en.yaml").write_text(
        "language: en\nutterances:\n  - {text: play my stretching playlist, intent: PlaylistIntent}\n",
        encoding="utf-8")
    corpus = ev.load("en", tmp_path)
    assert len(corpus.cases) == 2
    understander = ev.understander_for("en")
    report = ev.evaluate(corpus, understander)
    assert (report.n_in_domain, report.correct, report.skipped["PlaylistIntent"]) == (1, 1, 1)
    assert (report.n_ood, report.ood_caught) == (1, 1)
    assert "skipped (intents not in the model yet): PlaylistIntent x1" in ev.render(report)


def test_a_set_written_later_is_also_reported_on_its_own(tmp_path: Path) -> None:
    """Two files of one language: the combined figures, then each file's, so a new set's first measurement can
    be read apart from a set measured before."""
    (tmp_path / "en.yaml").write_text(
        "language: en\nutterances:\n  - {text: why does my back crack, intent: WhyCrackIntent}\n"
        "out_of_domain: [what's the weather in paris]\n", encoding="utf-8")
    (tmp_path / "third_en.yaml").write_text(
        "language: en\nutterances:\n  - {text: is it bad to crack my back, intent: IsItDangerousIntent}\n"
        "  - {text: why does my back crack, intent: SummaryIntent}\n", encoding="utf-8")
    report = ev.evaluate(ev.load("en", tmp_path), ev.understander_for("en"))
    assert report.by_source == {"en.yaml": [1, 1, 1, 1], "third_en.yaml": [1, 2, 0, 0]}
    lines = ev.summary(report)
    assert "(2/3)" in lines[0]
    assert lines[1:] == ["  en.yaml: in-domain 100.0% (1/1); correct fallbacks 100.0% (1/1)",
                         "  third_en.yaml: in-domain  50.0% (1/2); correct fallbacks    n/a (0/0)"]


def test_stop_cancel_and_home_are_one_class() -> None:
    assert ev.merged("AMAZON.CancelIntent") == ev.merged("AMAZON.StopIntent") == ev.STOP_CLASS
    assert ev.merged("AMAZON.NavigateHomeIntent") == ev.STOP_CLASS
    assert ev.merged("AMAZON.NextIntent") == "AMAZON.NextIntent"


def test_evaluate_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from skill.__main__ import main

    assert main(["evaluate", "--locale", "es"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("es (es-ES): in-domain accuracy")
    for part in ("correct fallbacks", "false fallbacks", "precision", "recall", "Stop/Cancel/Home is one class"):
        assert part in out


def test_sealed_mode_prints_only_aggregates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A stand-in sealed folder (the real one is never read by tests): one summary line per language."""
    sealed = tmp_path / "sealed"
    sealed.mkdir()
    (sealed / "en.yaml").write_text(
        "language: en\nutterances:\n  - {text: secret phrasing about my back popping, intent: WhyCrackIntent}\n"
        "  - {text: why does my back crack, intent: WhyCrackIntent}\n"
        "out_of_domain: [secret question about trains]\n", encoding="utf-8")
    monkeypatch.setattr(ev, "SEALED_DIR", sealed)
    assert ev.run(argparse.Namespace(locale=None, sealed=True, dev=False, misses=False, json=False)) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("en (en-US): in-domain accuracy")
    assert "secret" not in out and "precision" not in out
    assert "1 of the 2 in-domain utterances are samples" in out  # a count, never the utterance
