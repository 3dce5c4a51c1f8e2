"""Reward model: which of two headline variants got the higher click rate, predicted from the text alone.

Data: the Upworthy headline A/B tests in ``../shared/datasets/upworthy_headline_ab`` (one image per test, so click
differences within a test come from the headline text; numbers only are quoted, never its sentences). Tests are split
by test_id, seeded, 80 % training / 20 % held out. Variants with fewer than 1000 impressions are left out.

Training: ``MiniLMRewardModel.fit_pairs`` on every two distinct headlines of one training test whose click rates differ
(the better rate the winner, its confidence from the two-proportion z-test as a soft target), ``c`` chosen by 5-fold
cross-validation over training tests only. For comparison, the pointwise fit (each variant's clicks as weighted
positives, impressions - clicks as weighted negatives), also cross-validated on the training tests only.

Evaluation, on held-out tests only: ALL pairs of distinct headlines of one test whose click rates differ; a pair is
right when the winner scores higher (ties count half). Also shown: the pairs whose difference is significant
(two-sided p < 0.05), each test's best against its worst variant, a 95 % bootstrap interval over held-out tests, and
two trivial baselines (the longer headline wins; a coin, 0.5). Headline CTR is hard to predict from text: most pairs
differ by noise, which caps any model's accuracy well below 1.
LAST line: pairwise_accuracy=<share of held-out pairs ranked right by the pairwise model>
"""

import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_demo.settings")
DATA = ROOT.parent / "shared" / "datasets" / "upworthy_headline_ab" / "headline_tests.csv"
SEED = 0
HELD_OUT = 0.2
MIN_IMPRESSIONS = 1000
SIGNIFICANT = 0.975  # confidence = Phi(|z|): above 0.975 is p < 0.05, two-sided
BOOTSTRAP = 1000


def load_tests():
    """test_id -> [(headline, impressions, clicks)] for variants with at least MIN_IMPRESSIONS impressions."""
    if not DATA.is_file():
        sys.exit(f"The Upworthy data set is missing: {DATA} (the shared datasets folder must sit beside the project)")
    tests = defaultdict(list)
    with open(DATA, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            impressions, clicks = int(row["impressions"]), int(row["clicks"])
            if impressions >= MIN_IMPRESSIONS:
                tests[row["test_id"]].append((row["headline"], impressions, clicks))
    return dict(tests)


def split(tests):
    ids = sorted(tests)
    order = np.random.default_rng(SEED).permutation(len(ids))
    cut = int(round(len(ids) * (1 - HELD_OUT)))
    return [ids[i] for i in order[:cut]], [ids[i] for i in order[cut:]]


def pairs_of(tests, ids):
    from copygen_oscar.tuning.reward_model import pairs_from_counts

    rows = [(test_id, *variant) for test_id in ids for variant in tests[test_id]]
    return pairs_from_counts([r[1] for r in rows], None, [r[0] for r in rows], [r[3] for r in rows],
                             [r[2] for r in rows], min_trials=MIN_IMPRESSIONS)


def memoise_encoder():
    """Encode each headline once in this process: both models and the evaluation read the same embeddings."""
    from copygen_oscar.training.discriminator import Encoder

    memo, encode = {}, Encoder.embed

    def embed(texts, batch_size=128):
        missing = [t for t in dict.fromkeys(texts) if t not in memo]
        if missing:
            memo.update(zip(missing, encode(missing, batch_size=max(batch_size, 128))))
        return np.array([memo[t] for t in texts], dtype=np.float32).reshape(len(texts), Encoder.dimension)

    Encoder.embed = embed
    return memo


def accuracy(margins, mask=None):
    margins = margins if mask is None else margins[mask]
    return float(((margins > 0) + 0.5 * (margins == 0)).mean()) if len(margins) else float("nan")


def main():
    from copygen_oscar.tuning.reward_model import MiniLMRewardModel

    started = time.monotonic()
    tests = load_tests()
    train_ids, held_ids = split(tests)
    train, held = pairs_of(tests, train_ids), pairs_of(tests, held_ids)
    memo = memoise_encoder()
    everything = list(dict.fromkeys(t for ids in (train_ids, held_ids) for i in ids for t, _, _ in tests[i]))
    from copygen_oscar.training.discriminator import Encoder

    Encoder.embed(everything)
    encoded = time.monotonic()
    print(f"tests: {len(train_ids)} training, {len(held_ids)} held out (seed {SEED}); variants with >= "
          f"{MIN_IMPRESSIONS} impressions; {len(memo)} distinct headlines encoded in {encoded - started:.0f} s")
    print(f"pairs: {len(train['winners'])} training, {len(held['winners'])} held out (all pairs of distinct headlines "
          f"of one test with different click rates)")

    pairwise = MiniLMRewardModel()
    fit = pairwise.fit_pairs(train["winners"], train["losers"], confidence=train["confidence"], groups=train["groups"])
    print(f"pairwise fit: c={fit['c']} ({fit['c_chosen_by']}), training-part CV log loss {fit['cv_log_loss']}, "
          f"CV pairwise accuracy {fit['cv_pairwise_accuracy']}, train accuracy {fit['train_pairwise_accuracy']}, "
          f"{fit['seconds']} s")

    texts, rewards, weights, groups = [], [], [], []
    for test_id in train_ids:
        for headline, impressions, clicks in tests[test_id]:
            texts += [headline, headline]
            rewards += [1, -1]
            weights += [clicks, impressions - clicks]
            groups += [test_id, test_id]
    pointwise = MiniLMRewardModel()
    point_fit = pointwise.fit(texts, None, rewards, weights=weights, groups=groups)
    print(f"pointwise fit: c={point_fit['c']} ({point_fit['c_chosen_by']}), training-part CV log loss "
          f"{point_fit['cv_log_loss']}, CV AUC {point_fit['cv_auc']}, {point_fit['seconds']} s")

    winners, losers = held["winners"], held["losers"]
    confidence, held_groups = np.array(held["confidence"]), np.array(held["groups"])
    margin = pairwise.logits(winners) - pairwise.logits(losers)
    point_margin = pointwise.logits(winners) - pointwise.logits(losers)
    length_margin = np.array([len(w) - len(l) for w, l in zip(winners, losers)], dtype=np.float64)
    significant = confidence > SIGNIFICANT
    # each held-out test's best against its worst variant: its most confident pair is that pair
    best_vs_worst = np.zeros(len(winners), dtype=bool)
    counts = defaultdict(lambda: [0, 0])  # (test, headline) -> [clicks, impressions], as pairs_from_counts adds them
    for g in held_ids:
        for headline, impressions, clicks in tests[g]:
            counts[(g, headline)][0] += clicks
            counts[(g, headline)][1] += impressions
    rates = {key: clicks / impressions for key, (clicks, impressions) in counts.items()}
    for g in set(held_groups):
        idx = np.flatnonzero(held_groups == g)
        spread = [rates[(g, winners[i])] - rates[(g, losers[i])] for i in idx]
        best_vs_worst[idx[int(np.argmax(spread))]] = True

    rng = np.random.default_rng(SEED)
    by_test = [np.flatnonzero(held_groups == g) for g in sorted(set(held_groups))]
    boot = []
    for _ in range(BOOTSTRAP):
        picked = np.concatenate([by_test[i] for i in rng.integers(0, len(by_test), len(by_test))])
        boot.append(accuracy(margin[picked]))
    low, high = np.percentile(boot, [2.5, 97.5])

    print(f"held-out pairs: {len(margin)} from {len(by_test)} tests; significant (p < 0.05): {int(significant.sum())}; "
          f"best vs worst: {int(best_vs_worst.sum())}")
    print(f"baseline coin: 0.5000; baseline longer headline wins: {accuracy(length_margin):.4f} "
          f"(significant {accuracy(length_margin, significant):.4f})")
    print(f"pointwise model: {accuracy(point_margin):.4f} (significant {accuracy(point_margin, significant):.4f}, "
          f"best vs worst {accuracy(point_margin, best_vs_worst):.4f})")
    print(f"pairwise model: {accuracy(margin):.4f}, 95% bootstrap over tests [{low:.4f}, {high:.4f}] "
          f"(significant {accuracy(margin, significant):.4f}, best vs worst {accuracy(margin, best_vs_worst):.4f})")
    print(f"seconds: {time.monotonic() - started:.0f} total, {encoded - started:.0f} encoding")
    print(f"pairwise_accuracy={accuracy(margin):.4f}")


if __name__ == "__main__":
    main()
