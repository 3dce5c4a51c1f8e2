"""Traffic allocation between a product's live copy variants, behind one small interface a store swaps in settings.

Every policy here reads the same evidence, a Beta-Bernoulli posterior per variant (conversions against impressions
whose attribution window closed without one); they differ only in how traffic follows it. The tuning job turns the
posteriors into an allocation when it refreshes them and caches it, so a page request only makes one categorical
draw, and the probability it logs for the variant shown is exact, which is what off-policy evaluation needs.

``COPYGEN_BANDIT_POLICY`` names the class (dotted path); ``get_policy()`` returns one shared instance per path.
"""

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT = "copygen_oscar.serving.thompson.ThompsonSampling"

_instances = {}


def get_policy():
    """The configured policy, built once per class path (policies hold settings, never per-product state)."""
    path = getattr(settings, "COPYGEN_BANDIT_POLICY", DEFAULT) or DEFAULT
    if path not in _instances:
        _instances[path] = import_string(path)()
    return _instances[path]


class BanditPolicy:
    """Options are class attributes so a store configures a policy by subclassing it and naming the subclass in
    settings; keyword arguments override them for one instance (tests, benchmarks)."""

    # Beta(1, 1): every conversion rate equally plausible before the first impression; a store with a known base rate
    # may encode it here, e.g. Beta(2, 98) for a rate near 2 %.
    prior_alpha = 1.0
    prior_beta = 1.0
    # Monte Carlo draws for probability_best, and their seed: the same posteriors always give the same figures, so
    # a refresh that saw no new evidence does not move traffic and a report can be reproduced.
    draws = 4000
    seed = 0

    def __init__(self, **options):
        for name, value in options.items():
            if not hasattr(type(self), name) or callable(getattr(type(self), name)):
                raise TypeError(f"{type(self).__name__} has no option {name!r}")
            setattr(self, name, value)

    def allocation(self, successes, failures):
        """The share of traffic each arm gets (sums to 1)."""
        raise NotImplementedError

    def posterior(self, successes, failures):
        """Beta parameters per arm; evidence that cannot be counts is refused, as it would skew traffic silently."""
        successes = np.asarray(successes, dtype=float)
        failures = np.asarray(failures, dtype=float)
        if successes.ndim != 1 or successes.shape != failures.shape or not successes.size:
            raise ValueError("successes and failures must be 1-D arrays of the same non-zero length")
        evidence = np.concatenate([successes, failures])
        if (evidence < 0).any() or not np.isfinite(evidence).all():
            raise ValueError("successes and failures must be finite and non-negative")
        return successes + self.prior_alpha, failures + self.prior_beta

    def probability_best(self, successes, failures):
        """The posterior probability that each arm has the highest conversion rate.

        Monte Carlo rather than quadrature: exact in expectation for any number of arms, and cheap at the rate the
        tuning job refreshes (a few thousand Beta draws per product).
        """
        alpha, beta = self.posterior(successes, failures)
        if alpha.size == 1:
            return np.ones(1)
        rng = np.random.default_rng(self.seed)
        samples = rng.beta(alpha, beta, size=(self.draws, alpha.size))
        return np.bincount(samples.argmax(axis=1), minlength=alpha.size) / self.draws

    def choose(self, allocation, rng):
        """One categorical draw from the cached allocation, using a single ``rng.random()`` (a numpy Generator or
        ``random.Random``), so the propensity to log is simply ``allocation[arm]``; an arm with no share is never
        shown."""
        cumulative = np.cumsum(np.asarray(allocation, dtype=float))
        if not cumulative.size or cumulative[-1] <= 0:
            raise ValueError("allocation must have at least one arm with a positive share")
        arm = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        return min(arm, cumulative.size - 1)


class UniformAllocation(BanditPolicy):
    """A classic A/B test: equal traffic until a person ends the test. Also the baseline the bandit benchmark beats;
    a store that wants fixed, equal samples for its own analysis can choose it."""

    def allocation(self, successes, failures):
        alpha, _ = self.posterior(successes, failures)
        return np.full(alpha.size, 1.0 / alpha.size)
