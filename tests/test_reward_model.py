"""The reward model: learns a hidden taste from synthetic logged outcomes (pairwise and pointwise), per context when
the taste depends on it, turns logged rows into pairs, saves and loads exactly, refuses bad files and bad input.

All texts are made up here from templates; the Upworthy data set is only used by benchmarks/reward_model.py.
"""

import itertools
import json
import random

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from copygen_oscar.training.discriminator import Encoder
from copygen_oscar.tuning import reward_model as rm
from copygen_oscar.tuning.reward_model import (
    MiniLMRewardModel, RewardModel, RewardModelError, get_reward_model, pairs_from_counts, pairs_from_rewards,
)

TEMPLATES = [
    "A {adj} {material} {item}, made to last.",
    "Our {adj} {item} in {material} for every day.",
    "The {item} you reach for: {adj}, {material}, simple.",
]
MATERIALS = ["wool", "cotton", "linen", "cashmere"]
TRAIN_PRODUCTS = list(itertools.product(["soft", "warm", "light", "classic", "bright", "cosy"],
                                        MATERIALS, ["scarf", "jumper", "blanket", "hat", "cushion"]))
HELD_OUT_PRODUCTS = list(itertools.product(["elegant", "sturdy", "handmade"], MATERIALS,
                                           ["mug", "lamp", "notebook", "backpack"]))
# The hidden taste: shoppers prefer copy that names a benefit; the neutral line is as long and as polite.
BENEFIT = ["Free delivery on every order.", "Ships free, and returns are free too."]
NEUTRAL = ["Available in three colours.", "Designed in our own studio."]
GIFT = ["Gift-wrapped by hand, with a card.", "Arrives gift-wrapped, ready to give."]
SEGMENTS = {"kind: description | segment: gift buyers": (GIFT, BENEFIT),
            "kind: description | segment: bargain hunters": (BENEFIT, GIFT)}


def base(product, rng):
    adj, material, item = product
    return rng.choice(TEMPLATES).format(adj=adj, material=material, item=item)


def taste_pairs(products, seed, preferred=BENEFIT, other=NEUTRAL):
    """(better, worse, product key) per product: the same base copy with a preferred or an other closing line."""
    rng = random.Random(seed)
    out = []
    for product in products:
        text = base(product, rng)
        out.append((f"{text} {rng.choice(preferred)}", f"{text} {rng.choice(other)}", " ".join(product)))
    return out


def held_out_accuracy(model, pairs, context=None):
    better, worse = [p[0] for p in pairs], [p[1] for p in pairs]
    contexts = None if context is None else [context] * len(pairs)
    return float(np.mean(model.score(better, contexts) > model.score(worse, contexts)))


@pytest.fixture(scope="module")
def pairwise_model():
    """Fitted on noisy pairs: one in five training pairs has the wrong winner."""
    rng = random.Random(1)
    winners, losers, groups = [], [], []
    for better, worse, key in taste_pairs(TRAIN_PRODUCTS, seed=0):
        flipped = rng.random() < 0.2
        winners.append(worse if flipped else better)
        losers.append(better if flipped else worse)
        groups.append(key)
    model = MiniLMRewardModel()
    metrics = model.fit_pairs(winners, losers, groups=groups)
    return model, metrics


@pytest.fixture(scope="module")
def pointwise_model():
    """Fitted on logged rows: copy with a benefit converts 3 times in 4, copy without it 1 time in 4."""
    rng = random.Random(2)
    texts, rewards, groups = [], [], []
    for better, worse, key in taste_pairs(TRAIN_PRODUCTS, seed=3):
        for text, rate in ((better, 0.75), (worse, 0.25)):
            texts.append(text)
            rewards.append(1 if rng.random() < rate else -1)
            groups.append(key)
    model = MiniLMRewardModel()
    metrics = model.fit(texts, None, rewards, groups=groups)
    return model, metrics


def test_pairwise_fit_learns_the_hidden_taste_on_new_products(pairwise_model):
    model, metrics = pairwise_model
    assert metrics["mode"] == "pairwise" and metrics["pairs"] == len(TRAIN_PRODUCTS)
    assert metrics["c_chosen_by"] == "cv" and metrics["c"] in MiniLMRewardModel.c_grid
    assert metrics["cv_folds"] == 5 and metrics["cv_pairwise_accuracy"] > 0.7
    assert held_out_accuracy(model, taste_pairs(HELD_OUT_PRODUCTS, seed=10)) > 0.8
    scores = model.score([p[0] for p in taste_pairs(HELD_OUT_PRODUCTS, seed=11)])
    assert scores.shape == (len(HELD_OUT_PRODUCTS),) and scores.dtype == np.float64
    assert ((scores > 0) & (scores < 1)).all()
    assert model.score([]).shape == (0,)


def test_pointwise_fit_learns_the_hidden_taste_on_new_products(pointwise_model):
    model, metrics = pointwise_model
    assert metrics["mode"] == "pointwise" and metrics["rows"] == 2 * len(TRAIN_PRODUCTS)
    assert metrics["cv_auc"] > 0.6 and metrics["train_auc"] > 0.6
    held_out = taste_pairs(HELD_OUT_PRODUCTS, seed=12)
    assert held_out_accuracy(model, held_out) > 0.8
    # Probabilities of converting: the preferred copy scores well above the rest on average.
    better, worse = model.score([p[0] for p in held_out]), model.score([p[1] for p in held_out])
    assert better.mean() > worse.mean() + 0.1


def test_taste_that_depends_on_the_context_is_learnt_per_context():
    winners, losers, contexts, groups = [], [], [], []
    for context, (preferred, other) in SEGMENTS.items():
        for better, worse, key in taste_pairs(TRAIN_PRODUCTS, seed=len(context), preferred=preferred, other=other):
            winners.append(better)
            losers.append(worse)
            contexts.append(context)
            groups.append(key)
    model = MiniLMRewardModel()
    metrics = model.fit_pairs(winners, losers, contexts=contexts, groups=groups)
    assert model.uses_context and metrics["cv_pairwise_accuracy"] > 0.8
    for context, (preferred, other) in SEGMENTS.items():
        held_out = taste_pairs(HELD_OUT_PRODUCTS, seed=20, preferred=preferred, other=other)
        assert held_out_accuracy(model, held_out, context) > 0.8, context
    # The same two texts swap places when the segment changes.
    text = "A warm wool scarf, made to last."
    gift, bargain = f"{text} {GIFT[0]}", f"{text} {BENEFIT[0]}"
    for context, (preferred, _) in SEGMENTS.items():
        scores = model.score([gift, bargain], [context, context])
        assert (scores[0] > scores[1]) == (preferred is GIFT), context


def test_pairs_from_rewards_compares_texts_of_one_product_and_context():
    rows = (
        [("copy A", "ctx", "p1", 1)] * 6 + [("copy A", "ctx", "p1", -1)] * 4
        + [("copy B", "ctx", "p1", 1)] * 1 + [("copy B", "ctx", "p1", -1)] * 9
        + [("copy C", "ctx", "p1", 1)] * 1 + [("copy C", "ctx", "p1", -1)] * 9  # same rate as B: no pair
        + [("copy D", "other ctx", "p1", 1)] * 9  # another context: compared with nothing
        + [("copy E", "ctx", "p2", -1)] * 5  # another product: compared with nothing
    )
    texts, contexts, groups, rewards = (list(column) for column in zip(*rows))
    pairs = pairs_from_rewards(texts, contexts, rewards, groups)
    assert sorted(zip(pairs["winners"], pairs["losers"])) == [("copy A", "copy B"), ("copy A", "copy C")]
    assert pairs["contexts"] == ["ctx", "ctx"] and pairs["groups"] == ["p1", "p1"]
    # 6/10 against 1/10: a clear win, but not a certain one.
    assert all(0.97 < c < 1.0 for c in pairs["confidence"])

    counted = pairs_from_counts(["x", "y", "z"], None, ["t", "t", "t"], [30, 29, 5], [1000, 1000, 100],
                                min_trials=500)
    assert list(zip(counted["winners"], counted["losers"])) == [("x", "y")]  # z: under min_trials
    assert 0.5 < counted["confidence"][0] < 0.6  # 3.0 % against 2.9 %: close to a coin flip


def test_save_and_load_give_identical_scores(pairwise_model, pointwise_model, tmp_path):
    texts = [p[0] for p in taste_pairs(HELD_OUT_PRODUCTS[:10], seed=30)]
    for name, (model, _) in (("pairwise", pairwise_model), ("pointwise", pointwise_model)):
        file = model.save(tmp_path / f"{name}.npz")
        assert file.is_file() and file.stat().st_size < 20_000
        assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left behind
        loaded = MiniLMRewardModel.load(file)
        assert np.array_equal(loaded.score(texts), model.score(texts))
        assert loaded.meta == json.loads(json.dumps(model.meta)) and loaded.meta["mode"] == name
        assert loaded.meta["encoder"] == Encoder.name


def test_save_and_load_with_contexts(tmp_path):
    model = MiniLMRewardModel(c=1.0)
    metrics = model.fit(["plain copy", "copy with free delivery", "more plain copy", "free delivery copy"],
                        ["segment: a", "segment: b", None, "segment: a"], [-1, 1, -1, 1])
    assert metrics["c_chosen_by"] == "fixed" and metrics["cv_auc"] is None  # no groups, no cross-validation
    loaded = MiniLMRewardModel.load(model.save(tmp_path / "ctx.npz"))
    assert loaded.uses_context and loaded.weights.shape == (3 * Encoder.dimension,)
    texts, contexts = ["some copy", "other copy"], ["segment: a", None]
    assert np.array_equal(loaded.score(texts, contexts), model.score(texts, contexts))


def _write(path, weights, bias, meta, **extra):
    with open(path, "wb") as fh:
        np.savez(fh, weights=weights, bias=bias, meta=np.array(json.dumps(meta)), **extra)
    return path


def test_load_refuses_corrupted_and_mismatched_files(pairwise_model, tmp_path):
    model, _ = pairwise_model
    good = model.save(tmp_path / "good.npz")

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a reward model at all")
    with pytest.raises(RewardModelError, match="Unreadable"):
        MiniLMRewardModel.load(truncated)
    with pytest.raises(RewardModelError, match="Unreadable"):
        MiniLMRewardModel.load(garbage)
    with pytest.raises(RewardModelError, match="Unreadable"):
        MiniLMRewardModel.load(tmp_path / "missing.npz")

    weights, bias = model.weights, np.array([model.bias])
    other_encoder = _write(tmp_path / "enc.npz", weights, bias, {**model.meta, "encoder": "all-mpnet-base-v2"})
    with pytest.raises(RewardModelError, match="encoder 'all-mpnet-base-v2'"):
        MiniLMRewardModel.load(other_encoder)
    other_format = _write(tmp_path / "fmt.npz", weights, bias, {**model.meta, "format": rm.FORMAT + 1})
    with pytest.raises(RewardModelError, match="format"):
        MiniLMRewardModel.load(other_format)
    other_model = _write(tmp_path / "model.npz", weights, bias, {**model.meta, "model": "something-else"})
    with pytest.raises(RewardModelError, match="something-else"):
        MiniLMRewardModel.load(other_model)
    wrong_shape = _write(tmp_path / "shape.npz", weights[:10], bias, model.meta)
    with pytest.raises(RewardModelError, match="wrong shape"):
        MiniLMRewardModel.load(wrong_shape)
    not_finite = _write(tmp_path / "nan.npz", np.full_like(weights, np.nan), bias, model.meta)
    with pytest.raises(RewardModelError, match="wrong shape or type"):
        MiniLMRewardModel.load(not_finite)
    with open(tmp_path / "pickled.npz", "wb") as fh:  # an object array would need pickle: refused
        np.savez(fh, weights=weights, bias=bias, meta=np.array([{"format": 1}], dtype=object))
    with pytest.raises(RewardModelError, match="Unreadable"):
        MiniLMRewardModel.load(tmp_path / "pickled.npz")
    assert issubclass(RewardModelError, ValueError)


@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit([], None, []), "empty"),
    (lambda m: m.fit("one string", None, [1]), "list of strings"),
    (lambda m: m.fit(["a", "b"], None, [1]), "1 rewards for 2 rows"),
    (lambda m: m.fit(["a", "b"], ["ctx"], [1, -1]), "1 contexts for 2 texts"),
    (lambda m: m.fit(["a", "b"], None, [1, -1], weights=[1, -1]), "weights must lie at or above 0"),
    (lambda m: m.fit(["a", "b"], None, [1, float("nan")]), "finite"),
    (lambda m: m.fit(["a", "b", "c"], None, [1, 1, 1]), "No negative"),
    (lambda m: m.fit(["a", "b", "c"], None, [-1, 0, -1]), "No positive"),
    (lambda m: m.fit(["a", "b"], None, [1, -1], weights=[0, 1]), "No positive"),
    (lambda m: m.fit(["a", 3], None, [1, -1]), "must hold strings"),
    (lambda m: m.fit_pairs([], []), "empty"),
    (lambda m: m.fit_pairs(["a", "b"], ["c"]), "2 winners but 1 losers"),
    (lambda m: m.fit_pairs(["a"] * 5, ["a"] * 5), "Too few usable pairs"),
    (lambda m: m.fit_pairs(["a"] * 5, ["b"] * 5, confidence=[1, 1, 1, 1, 2]), "confidence must lie"),
    (lambda m: m.fit_pairs(["a"] * 5, ["b"] * 5, groups=["g"]), "1 groups for 5 rows"),
    (lambda m: m.score(["a"]), "not fitted"),
    (lambda m: m.save("/tmp/never-written.npz"), "not fitted"),
    (lambda m: pairs_from_rewards(["a", "b"], None, [1, -1], None), "groups are required"),
    (lambda m: pairs_from_counts(["a"], None, ["g"], [2], [1]), "cannot exceed"),
])
def test_bad_input_gives_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(MiniLMRewardModel())


def test_score_checks_its_input(pairwise_model):
    model, _ = pairwise_model
    with pytest.raises(RewardModelError, match="list of strings"):
        model.score("one string")
    with pytest.raises(RewardModelError, match="2 contexts for 1 texts"):
        model.score(["a"], ["x", "y"])


def test_the_model_class_comes_from_settings(settings):
    assert get_reward_model() is MiniLMRewardModel
    settings.COPYGEN_REWARD_MODEL = "tests.test_reward_model.StricterRewardModel"
    assert get_reward_model() is StricterRewardModel
    settings.COPYGEN_REWARD_MODEL = "copygen_oscar.tuning.reward_model.Encoder"
    with pytest.raises(ImproperlyConfigured, match="not a RewardModel"):
        get_reward_model()
    assert StricterRewardModel(folds=3).folds == 3
    with pytest.raises(TypeError, match="no option"):
        MiniLMRewardModel(learning_rate=1)
    with pytest.raises(NotImplementedError):
        RewardModel().fit_pairs(["a"], ["b"])


class StricterRewardModel(MiniLMRewardModel):
    """A store's configuration: a subclass with other options, named in settings."""

    c_grid = (1e-4, 1e-3)
