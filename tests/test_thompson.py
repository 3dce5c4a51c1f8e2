"""The bandit policies: Thompson allocation, probability best, credible intervals, serving draws, configuration."""

import random
import sys
from math import exp, lgamma

import numpy as np
import pytest

from copygen_oscar.serving import policy as policy_module
from copygen_oscar.serving.policy import BanditPolicy, UniformAllocation, get_policy
from copygen_oscar.serving.thompson import ThompsonSampling, apply_floor, credible_interval


def exact_b_beats_a(a, b):
    """P(X_B > X_A) for X_A ~ Beta(*a), X_B ~ Beta(*b), integer alpha_B (Evan Miller's closed form)."""
    (alpha_a, beta_a), (alpha_b, beta_b) = a, b

    def log_beta(x, y):
        return lgamma(x) + lgamma(y) - lgamma(x + y)

    return sum(exp(log_beta(alpha_a + i, beta_a + beta_b) - np.log(beta_b + i) - log_beta(1 + i, beta_b)
                   - log_beta(alpha_a, beta_a)) for i in range(int(alpha_b)))


@pytest.mark.parametrize("successes,failures", [
    ([0], [0]),
    ([0, 0], [0, 0]),
    ([3, 9, 1], [97, 91, 99]),
    ([120, 0, 40, 41, 7], [5000, 3, 1900, 2100, 300]),
    (list(range(12)), [1000] * 12),
])
@pytest.mark.parametrize("policy", [ThompsonSampling(), ThompsonSampling(min_share=0.05), UniformAllocation()])
def test_allocations_are_distributions(policy, successes, failures):
    allocation = policy.allocation(successes, failures)
    assert allocation.shape == (len(successes),)
    assert (allocation >= 0).all()
    assert allocation.sum() == pytest.approx(1.0)


def test_clearly_better_arm_gets_most_traffic():
    allocation = ThompsonSampling().allocation([10, 60, 12], [990, 940, 988])
    assert allocation[1] > 0.99
    assert allocation.argmax() == 1


def test_traffic_follows_evidence_as_it_accumulates():
    """Same observed rates (2 % vs 3 %), more impressions: the better arm's share grows."""
    shares = [ThompsonSampling().allocation([2 * n, 3 * n], [98 * n, 97 * n])[1] for n in (1, 5, 25)]
    assert shares[0] < shares[1] < shares[2]
    assert 0.5 < shares[0] < 0.9


@pytest.mark.parametrize("successes,failures", [([0, 0, 0], [0, 0, 0]), ([20, 20, 20], [980, 980, 980])])
def test_equal_evidence_means_near_equal_traffic(successes, failures):
    allocation = ThompsonSampling().allocation(successes, failures)
    assert np.abs(allocation - 1 / 3).max() < 0.04  # Monte Carlo sd with 4000 draws is about 0.0075


def test_same_posteriors_give_the_same_allocation():
    evidence = ([13, 17, 9], [400, 380, 410])
    first = ThompsonSampling().allocation(*evidence)
    assert np.array_equal(first, ThompsonSampling().allocation(*evidence))
    assert np.array_equal(first, ThompsonSampling().allocation(np.array(evidence[0]), np.array(evidence[1])))
    assert not np.array_equal(first, ThompsonSampling(seed=1).allocation(*evidence))


def test_probability_best_matches_the_closed_form():
    policy = ThompsonSampling()
    for successes, failures in [([3, 7], [7, 3]), ([20, 24], [980, 976]), ([0, 1], [0, 0])]:
        exact = exact_b_beats_a((successes[0] + 1, failures[0] + 1), (successes[1] + 1, failures[1] + 1))
        best = policy.probability_best(successes, failures)
        assert best[1] == pytest.approx(exact, abs=0.03)
        assert best.sum() == pytest.approx(1.0)


def test_probability_best_is_sane():
    best = ThompsonSampling().probability_best([5, 50, 30, 0], [995, 950, 970, 1000])
    assert ((best >= 0) & (best <= 1)).all()
    assert list(np.argsort(-best)[:2]) == [1, 2]
    assert best[0] < 0.01 and best[3] < 0.01
    assert ThompsonSampling().probability_best([4], [10]).tolist() == [1.0]


def test_thompson_allocation_is_probability_best_without_a_floor():
    evidence = ([8, 11, 10], [300, 290, 305])
    policy = ThompsonSampling()
    assert np.array_equal(policy.allocation(*evidence), policy.probability_best(*evidence))


def test_min_share_keeps_every_arm_alive():
    evidence = ([5, 200, 180], [995, 800, 820])
    plain = ThompsonSampling().allocation(*evidence)
    floored = ThompsonSampling(min_share=0.05).allocation(*evidence)
    assert plain[0] == 0.0
    assert floored.min() >= 0.05 - 1e-12
    assert floored.sum() == pytest.approx(1.0)
    assert floored[0] == pytest.approx(0.05)
    assert floored[1] / floored[2] == pytest.approx(plain[1] / plain[2])  # arms above the floor keep their ratio


def test_floor_leaves_arms_already_above_it_alone_and_caps_at_uniform():
    assert apply_floor([0.9, 0.1], 0.05).tolist() == [0.9, 0.1]
    assert apply_floor([0.97, 0.02, 0.01], 0.05) == pytest.approx([0.9, 0.05, 0.05])
    assert apply_floor([1.0, 0.0, 0.0], 0.5) == pytest.approx([1 / 3] * 3)
    assert apply_floor([0.0, 0.0], 0.1) == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("successes,failures",
                         [([-1, 2], [3, 4]), ([1, 2], [3]), ([], []), ([[1, 2]], [[3, 4]]), ([np.nan], [1])])
def test_bad_evidence_is_rejected(successes, failures):
    with pytest.raises(ValueError):
        ThompsonSampling().allocation(successes, failures)


def test_unknown_option_is_rejected():
    with pytest.raises(TypeError):
        ThompsonSampling(min_shares=0.1)


def test_prior_is_configurable():
    class Pessimistic(ThompsonSampling):
        prior_alpha, prior_beta = 1.0, 99.0

    alpha, beta = Pessimistic().posterior([2, 0], [8, 0])
    assert alpha.tolist() == [3.0, 1.0] and beta.tolist() == [107.0, 99.0]


def test_credible_interval_contains_the_mean_and_narrows_with_data():
    successes, failures = np.array([3, 30, 300]), np.array([97, 970, 9700])
    lower, upper = credible_interval(successes, failures)
    mean = (successes + 1) / (successes + failures + 2)
    assert ((lower < mean) & (mean < upper)).all()
    widths = upper - lower
    assert widths[0] > widths[1] > widths[2]
    narrow_lower, narrow_upper = credible_interval(successes, failures, level=0.5)
    assert ((narrow_upper - narrow_lower) < widths).all()
    assert (lower > 0).all() and (upper < 1).all()


def test_credible_interval_without_scipy_agrees(monkeypatch):
    successes, failures = [3, 40], [97, 960]
    exact = credible_interval(successes, failures)
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # the import now fails
    approximate = credible_interval(successes, failures)
    for got, want in zip(approximate, exact):
        assert got == pytest.approx(want, rel=0.05)
    with pytest.raises(ValueError):
        credible_interval(successes, failures, level=1.5)


def test_choose_follows_the_allocation():
    allocation = np.array([0.1, 0.6, 0.3, 0.0])
    rng = np.random.default_rng(7)
    n = 20000
    counts = np.bincount([BanditPolicy().choose(allocation, rng) for _ in range(n)], minlength=4)
    assert counts[3] == 0
    expected = allocation[:3] * n
    chi_square = ((counts[:3] - expected) ** 2 / expected).sum()
    assert chi_square < 13.8  # 99.9th percentile of chi-square with 2 degrees of freedom


def test_choose_accepts_the_standard_library_rng_and_edge_draws():
    policy = UniformAllocation()
    assert policy.choose([0.0, 1.0], random.Random(3)) == 1

    class Fixed:
        def __init__(self, value):
            self.value = value

        def random(self):
            return self.value

    assert policy.choose([0.25, 0.75], Fixed(0.0)) == 0
    assert policy.choose([0.25, 0.75], Fixed(0.25)) == 1
    assert policy.choose([0.25, 0.75], Fixed(0.9999999999)) == 1
    with pytest.raises(ValueError):
        policy.choose([0.0, 0.0], Fixed(0.5))


def test_uniform_allocation_ignores_evidence_but_reports_it():
    policy = UniformAllocation()
    assert policy.allocation([0, 90, 0], [100, 10, 100]).tolist() == pytest.approx([1 / 3] * 3)
    assert policy.probability_best([0, 90, 0], [100, 10, 100])[1] > 0.99


def test_get_policy_defaults_to_thompson(settings):
    if hasattr(settings, "COPYGEN_BANDIT_POLICY"):
        del settings.COPYGEN_BANDIT_POLICY
    assert type(get_policy()) is ThompsonSampling
    assert get_policy() is get_policy()
    assert policy_module.DEFAULT == "copygen_oscar.serving.thompson.ThompsonSampling"


def test_get_policy_honours_the_setting(settings):
    settings.COPYGEN_BANDIT_POLICY = "copygen_oscar.serving.policy.UniformAllocation"
    assert type(get_policy()) is UniformAllocation
    settings.COPYGEN_BANDIT_POLICY = "copygen_oscar.serving.thompson.ThompsonSampling"
    assert type(get_policy()) is ThompsonSampling
    settings.COPYGEN_BANDIT_POLICY = "copygen_oscar.serving.nowhere.Policy"
    with pytest.raises(ImportError):
        get_policy()
