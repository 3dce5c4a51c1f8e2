"""Thompson sampling for conversions per impression, and the credible intervals the experiment report shows.

For Beta-Bernoulli arms the Thompson rule (show the arm whose posterior draw is highest) shows each arm with exactly
its probability of being best, so the allocation is that probability, computed once per refresh instead of a
posterior draw per page view; serving then draws from it. Traffic moves to a better variant as the evidence for it
grows, and losing variants keep a little traffic only while they might still be best.
"""

import numpy as np

from copygen_oscar.serving.policy import BanditPolicy


class ThompsonSampling(BanditPolicy):
    """``min_share`` (default 0: pure Thompson) keeps every live arm at least that share of traffic. A store sets it
    when conversion rates drift (seasons, price changes), so an arm written off early can still be re-evaluated; the
    price is showing losing copy that often. Example: ``class Floored(ThompsonSampling): min_share = 0.05`` and
    ``COPYGEN_BANDIT_POLICY = "shop.bandits.Floored"``. A floor above 1/arms means uniform traffic."""

    min_share = 0.0

    def allocation(self, successes, failures):
        return apply_floor(self.probability_best(successes, failures), self.min_share)


def apply_floor(allocation, share):
    """Raise arms below ``share`` to it, taking the difference from the others in proportion to their allocation, so
    arms already above the floor keep their Thompson ordering (mixing in uniform traffic would tax them all)."""
    allocation = np.asarray(allocation, dtype=float)
    share = min(float(share), 1.0 / allocation.size)
    if share <= 0:
        return allocation
    floored = np.zeros(allocation.size, dtype=bool)
    while True:  # each pass floors at least one more arm, so at most one pass per arm
        out = np.full(allocation.size, share)
        free = ~floored
        rest = 1.0 - share * floored.sum()
        mass = allocation[free].sum()
        out[free] = allocation[free] / mass * rest if mass > 0 else rest / free.sum()
        below = free & (out < share - 1e-12)
        if not below.any():
            return out
        floored |= below


def credible_interval(successes, failures, level=0.95, prior=(1.0, 1.0)):
    """Equal-tailed posterior interval per arm, as (lower, upper) arrays: the report shows how sure the store may be
    of each rate, not only which arm leads. Exact Beta quantiles when scipy is installed, else Monte Carlo ones."""
    successes = np.asarray(successes, dtype=float)
    failures = np.asarray(failures, dtype=float)
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    alpha, beta = successes + prior[0], failures + prior[1]
    tails = np.array([(1 - level) / 2, (1 + level) / 2])
    try:
        from scipy.stats import beta as beta_distribution
    except ImportError:
        samples = np.random.default_rng(0).beta(alpha, beta, size=(20000,) + alpha.shape)
        lower, upper = np.quantile(samples, tails, axis=0)
    else:
        lower = beta_distribution.ppf(tails[0], alpha, beta)
        upper = beta_distribution.ppf(tails[1], alpha, beta)
    return lower, upper
