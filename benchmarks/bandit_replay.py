"""Thompson sampling against a classic A/B test, replayed on real headline tests.

Data: ../shared/datasets/upworthy_headline_ab (Upworthy Research Archive: headline A/B tests with each variant's real
impressions and clicks; see its README). Each test keeps its own number of impressions (the sum over its variants)
and each variant its real click rate (clicks / impressions); a simulated impression of a variant is a Bernoulli click
at that rate. Three policies run every test:
  (a) uniform: every impression picks a variant uniformly at random (a classic A/B test);
  (b) thompson: the project's policy, copygen_oscar.serving.thompson.ThompsonSampling, Beta(1, 1) prior, run as the
      store serves it. Serving does not update after every impression: the tuning job refreshes the posteriors
      periodically and caches ThompsonSampling().allocation(...), and pages draw from that cached allocation. So
      the allocation is recomputed every `--refresh` impressions (default: 5 % of the test's impressions, at least
      50, i.e. 20 refreshes per test, a daily job over a three-week test) and held fixed in between; within a block
      the impressions per variant are a multinomial draw from the allocation and the clicks binomial draws. Clicks
      count as evidence at the next refresh (the store's attribution window is assumed to close within a period);
  (c) oracle: every impression shows the variant with the highest real rate.
Reported: clicks and CTR per policy, summed over tests, and the share of the oracle's uplift over uniform that
Thompson sampling captures. For reference, the same figure with Thompson updated after every impression (one
posterior draw per impression, which shows each arm with exactly its probability of being best), simulated for all
tests in lock-step. Nothing is fitted to the data: the prior is the policy's default, Beta(1, 1). Every random stream
is seeded from --seed and the test's position, so a run is reproducible.
LAST line: oracle_uplift_captured=<(clicks_TS - clicks_uniform) / (clicks_oracle - clicks_uniform)>
"""

import argparse
import csv
import os
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_demo.settings")
DATA = ROOT.parent / "shared" / "datasets" / "upworthy_headline_ab" / "headline_tests.csv"


def load_tests(path):
    """[(impressions per variant, real click rate per variant)] in file order."""
    tests = OrderedDict()
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            tests.setdefault(row["test_id"], []).append((int(row["impressions"]), int(row["clicks"])))
    out = []
    for rows in tests.values():
        impressions, clicks = np.array(rows, dtype=np.int64).T
        out.append((impressions, clicks / impressions))
    return out


def block_size(total, refresh):
    """Impressions between two refreshes: a fraction (< 1) of the test's impressions, or a fixed count."""
    return max(50, int(round(total * refresh)) if refresh < 1 else int(refresh))


def periodic(policy, rates, total, refresh, rng):
    """Clicks of one test when the allocation is recomputed every `refresh` impressions and cached in between."""
    successes, failures = np.zeros(rates.size), np.zeros(rates.size)
    step, shown = block_size(total, refresh), 0
    while shown < total:
        block = min(step, total - shown)
        shows = rng.multinomial(block, policy.allocation(successes, failures))
        clicks = rng.binomial(shows, rates)
        successes += clicks
        failures += shows - clicks
        shown += block
    return int(successes.sum())


def per_impression(tests, seed):
    """Clicks per test with Thompson updated after every impression, all tests advancing together one impression per
    step (longest tests first, so the tests still running are always a prefix)."""
    totals = np.array([int(impressions.sum()) for impressions, _ in tests])
    order = np.argsort(-totals, kind="stable")
    arms = np.array([tests[i][1].size for i in order])
    starts = np.concatenate([[0], np.cumsum(arms)[:-1]])
    width = arms.max()
    rates = np.concatenate([tests[i][1] for i in order])
    slots = np.concatenate([row * width + np.arange(n) for row, n in enumerate(arms)])  # flat arm -> padded cell
    arms_before = np.concatenate([[0], np.cumsum(arms)])
    alpha, beta = np.ones(rates.size), np.ones(rates.size)
    draws = np.full((len(tests), width), -1.0)  # padding never wins
    # running[t]: how many tests have more than t impressions
    running = np.searchsorted(-totals[order], -np.arange(totals.max()), side="left")
    rng = np.random.default_rng([seed, 3])
    for t in range(totals.max()):
        m = running[t]
        used = arms_before[m]
        draws.flat[slots[:used]] = rng.beta(alpha[:used], beta[:used])
        shown = starts[:m] + draws[:m].argmax(axis=1)
        click = rng.random(m) < rates[shown]
        alpha[shown] += click
        beta[shown] += ~click
    clicks = np.empty(len(tests))
    clicks[order] = np.add.reduceat(alpha - 1, starts)
    return clicks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refresh", type=float, default=0.05,
                        help="impressions between refreshes: a fraction (<1) of each test's impressions, or a count")
    parser.add_argument("--draws", type=int, default=None,
                        help="Monte Carlo draws per allocation (default: the policy's own)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N tests (quick runs)")
    parser.add_argument("--skip-per-impression", action="store_true")
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"No data at {DATA}: this benchmark needs the upworthy_headline_ab dataset in ../shared/datasets")
    import django

    django.setup()
    from copygen_oscar.serving.thompson import ThompsonSampling

    policy = ThompsonSampling() if args.draws is None else ThompsonSampling(draws=args.draws)
    tests = load_tests(DATA)[: args.limit]
    started = time.perf_counter()
    clicks = {"uniform": 0, "thompson": 0, "oracle": 0}
    impressions = 0
    for index, (variant_impressions, rates) in enumerate(tests):
        total = int(variant_impressions.sum())
        impressions += total
        rng = np.random.default_rng([args.seed, 0, index])
        clicks["uniform"] += int(rng.binomial(rng.multinomial(total, np.full(rates.size, 1 / rates.size)), rates).sum())
        clicks["oracle"] += int(np.random.default_rng([args.seed, 1, index]).binomial(total, rates.max()))
        clicks["thompson"] += periodic(policy, rates, total, args.refresh, np.random.default_rng([args.seed, 2, index]))
    periodic_s = time.perf_counter() - started
    variants = sum(rates.size for _, rates in tests)
    refresh = f"{int(args.refresh)} impressions" if args.refresh >= 1 else f"{args.refresh:.0%} of its impressions"
    print(f"tests={len(tests)} variants={variants} impressions={impressions} refresh=every {refresh}, at least 50 "
          f"draws={policy.draws} seed={args.seed}")
    for name, value in clicks.items():
        print(f"{name}: clicks={value} ctr={value / impressions:.5f}")
    gap = clicks["oracle"] - clicks["uniform"]
    captured = (clicks["thompson"] - clicks["uniform"]) / gap
    print(f"simulated in {periodic_s:.1f} s")
    if not args.skip_per_impression:
        started = time.perf_counter()
        each = int(per_impression(tests, args.seed).sum())
        print(f"thompson, updated after every impression (reference): clicks={each} ctr={each / impressions:.5f} "
              f"uplift_captured={(each - clicks['uniform']) / gap:.3f} ({time.perf_counter() - started:.1f} s)")
    print(f"oracle_uplift_captured={captured:.3f}")


if __name__ == "__main__":
    main()
