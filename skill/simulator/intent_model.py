"""A statistical intent classifier trained on the interaction model, the way Alexa's NLU is.

Why: Alexa generalises from sample utterances to phrasings nobody wrote down (other words for the same thing,
recogniser slips). Exact and word-overlap matching cannot know that "pops", "clicks" and "crunches" mean the
same; a model trained on the samples can, to the extent the samples teach it. Word and character n-gram
TF-IDF features feed a linear SVM with calibrated (sigmoid) probabilities; the probability is the confidence,
and a confidence below a threshold (chosen on a development split of the samples, never on held-out data)
means AMAZON.FallbackIntent.
Out-of-domain sentences (out_of_domain.yaml) train the fallback class, as Amazon trains FallbackIntent.

Dev-only (scikit-learn is in requirements-dev.txt): the simulator, coverage and evaluation use it; the
Lambda never imports it. Fitting takes about a second for the real models, so fitted classifiers are cached
per process and on disk under build/nlu/, keyed by a hash of the training data and the library versions.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

OOD_FILE = Path(__file__).with_name("out_of_domain.yaml")
CACHE_DIR = Path(__file__).resolve().parents[2] / "build" / "nlu"
#: Bump when the features, the classifier or the training data recipe change: it keys the disk cache.
RECIPE = "tfidf-word12-charwb25-linearsvc-sigmoid3-familyfolds-v3"
#: The fallback threshold is chosen on out-of-fold predictions of this many folds of the samples.
FOLDS = 4
#: Word overlap (Jaccard) from which two samples count as twins and stay in the same fold.
FAMILY_OVERLAP = 0.7
#: Candidate thresholds; the chosen one maximises the mean of in-domain accuracy and fallback recall on the
#: development split (ties go to the lower threshold: a device answers rather than shrugs).
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(2, 17))
#: Used when the model declares no AMAZON.FallbackIntent (nothing to fall back to) or the split is too small.
DEFAULT_THRESHOLD = 0.35
FALLBACK = "AMAZON.FallbackIntent"


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    #: The best intent that is not the fallback class, and its probability.
    nearest: str | None
    nearest_confidence: float


def out_of_domain(lang: str) -> list[str]:
    """The built-in out-of-domain sentences for a language (not the held-out corpus: written separately)."""
    with OOD_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return [str(t) for t in data.get(lang, [])]


def _make_pipeline() -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[^ ]+", sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1),
    )
    # LinearSVC separates intents well and fits in a fraction of a second; sigmoid calibration (3-fold) turns
    # its margins into probabilities, so the fallback threshold means the same for every intent. Measured on
    # the samples' development split it matched LogisticRegression's accuracy at a quarter of the fitting time.
    return make_pipeline(features, CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced"), cv=3))


def _families(texts: list[str], threshold: float = FAMILY_OVERLAP) -> list[int]:
    """Family id per text: near-twins (template siblings such as "why is it bad to crack my back" / "why is it
    bad to pop my back") are one family, so a development fold cannot hold a sample whose twin is in training
    and flatter the model."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    words = [set(t.split()) for t in texts]
    for i in range(len(texts)):
        for j in range(i):
            union = len(words[i] | words[j])
            if union and len(words[i] & words[j]) / union >= threshold:
                parent[root(i)] = root(j)
    return [root(i) for i in range(len(texts))]


def _folds(texts: list[str], labels: list[str], k: int, seed: int = 7) -> list[int]:
    """A fold number per example for k-fold cross-validation: whole families (see _families) share a fold,
    spread round-robin per intent so every fold sees every intent."""
    fold_of = [0] * len(texts)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    for label in sorted(by_label):
        idx = by_label[label]
        families: dict[int, list[int]] = {}
        for i, family in zip(idx, _families([texts[i] for i in idx]), strict=True):
            families.setdefault(family, []).append(i)
        groups = sorted(families.values(), key=len, reverse=True)
        rng.shuffle(groups)
        sizes = [0] * k
        for group in groups:
            target = min(range(k), key=lambda f: sizes[f])
            sizes[target] += len(group)
            for i in group:
                fold_of[i] = target
    return fold_of


def _padded(texts: list[str], labels: list[str], minimum: int = 3) -> tuple[list[str], list[str]]:
    """Repeat the examples of tiny intents (a built-in with two phrasings) so that 3-fold calibration can run."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    texts, labels = list(texts), list(labels)
    for label, count in counts.items():
        own = [t for t, lab in zip(texts, labels, strict=True) if lab == label]
        for k in range(minimum - count):
            texts.append(own[k % len(own)])
            labels.append(label)
    return texts, labels


def choose_threshold(probabilities: Any, classes: list[str], gold: list[str]) -> tuple[float, float]:
    """The threshold that best balances answering in-domain questions and falling back out of domain.

    Returns (threshold, score). A prediction is the top class if its probability reaches the threshold and
    it is not the fallback class; otherwise FALLBACK.
    """
    import numpy as np

    best_k = np.argmax(probabilities, axis=1)
    best_p = probabilities[np.arange(len(gold)), best_k]
    top = [classes[k] for k in best_k]
    in_domain = [i for i, g in enumerate(gold) if g != FALLBACK]
    ood = [i for i, g in enumerate(gold) if g == FALLBACK]
    best = (DEFAULT_THRESHOLD, -1.0)
    for threshold in THRESHOLDS:
        predicted = [t if (p >= threshold and t != FALLBACK) else FALLBACK for t, p in zip(top, best_p, strict=True)]
        acc = sum(predicted[i] == gold[i] for i in in_domain) / max(len(in_domain), 1)
        rej = sum(predicted[i] == FALLBACK for i in ood) / max(len(ood), 1) if ood else 1.0
        score = (acc + rej) / 2
        if score > best[1] + 1e-9:
            best = (threshold, score)
    return best


class IntentModel:
    """Fitted classifier plus its fallback threshold. Build with ``IntentModel.fit`` (cached)."""

    _memory: dict[str, IntentModel] = {}  # noqa: RUF012 - deliberate process-wide cache

    def __init__(self, pipeline: Any, threshold: float, dev_score: float | None, has_fallback: bool) -> None:
        self.pipeline = pipeline
        self.threshold = threshold
        self.dev_score = dev_score
        self.has_fallback = has_fallback
        self.classes: list[str] = [str(c) for c in pipeline.classes_]

    @classmethod
    def fit(cls, texts: list[str], labels: list[str], *, use_disk: bool = True) -> IntentModel:
        """Train (or fetch from cache) a classifier for these examples."""
        key = cls._key(texts, labels)
        if key in cls._memory:
            return cls._memory[key]
        path = CACHE_DIR / f"{key}.pickle"
        model = cls._load(path) if use_disk else None
        if model is None:
            model = cls._train(texts, labels)
            if use_disk:
                cls._store(path, model)
        cls._memory[key] = model
        return model

    @staticmethod
    def _key(texts: list[str], labels: list[str]) -> str:
        import sklearn

        blob = json.dumps([RECIPE, sklearn.__version__, texts, labels], ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:24]

    @classmethod
    def _train(cls, texts: list[str], labels: list[str]) -> IntentModel:
        has_fallback = FALLBACK in labels
        threshold, score = DEFAULT_THRESHOLD, None
        if has_fallback and len(set(labels)) >= 2 and len(texts) >= 4 * FOLDS:
            import numpy as np

            folds = _folds(texts, labels, FOLDS)
            classes = sorted(set(labels))
            probabilities = np.zeros((len(texts), len(classes)))
            for k in range(FOLDS):
                train = [i for i in range(len(texts)) if folds[i] != k]
                dev = [i for i in range(len(texts)) if folds[i] == k]
                if not dev:
                    continue
                probe = _make_pipeline().fit(*_padded([texts[i] for i in train], [labels[i] for i in train]))
                columns = [classes.index(str(c)) for c in probe.classes_]
                probabilities[np.ix_(dev, columns)] = probe.predict_proba([texts[i] for i in dev])
            threshold, score = choose_threshold(probabilities, classes, labels)
        pipeline = _make_pipeline().fit(*_padded(texts, labels))
        return cls(pipeline, threshold, score, has_fallback)

    @staticmethod
    def _load(path: Path) -> IntentModel | None:
        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)  # our own cache file under build/
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            return None
        return model if isinstance(model, IntentModel) else None

    @staticmethod
    def _store(path: Path, model: IntentModel) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except OSError:  # a read-only checkout just refits next time
            pass

    def predict(self, text: str) -> Prediction:
        """Top intent, or FALLBACK when the top is the fallback class or below the threshold."""
        probabilities = self.pipeline.predict_proba([text])[0]
        order = sorted(range(len(self.classes)), key=lambda k: -probabilities[k])
        top = self.classes[order[0]]
        confidence = float(probabilities[order[0]])
        nearest_k = next((k for k in order if self.classes[k] != FALLBACK), order[0])
        nearest, nearest_p = self.classes[nearest_k], float(probabilities[nearest_k])
        if self.has_fallback and (top == FALLBACK or confidence < self.threshold):
            return Prediction(FALLBACK, nearest_p, nearest, nearest_p)
        return Prediction(top, confidence, nearest, nearest_p)
