"""Unbiased pass@k (Codex arXiv 2107.03374 §2.1): exact values, limits, and agreement with the combinatorial form."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from open_r1.eval.passk import mean_pass_at_k, pass_at_k, pass_at_k_table


def brute_force(n: int, c: int, k: int) -> float:
    """Fraction of k-subsets of n samples (c correct) that contain a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 0, 1), (5, 5, 3), (6, 2, 2), (8, 3, 4), (10, 1, 10), (7, 4, 1)])
def test_matches_subset_enumeration(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(brute_force(n, c, k), abs=1e-12)


def test_matches_binomial_formula_for_large_n():
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 200)
        c, k = rng.randint(0, n), rng.randint(1, n)
        expected = 1.0 if n - c < k else 1 - math.comb(n - c, k) / math.comb(n, k)
        assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-9)


def test_pass_at_1_is_the_fraction_correct():
    assert pass_at_k(64, 16, 1) == pytest.approx(0.25)


def test_unbiased_where_the_naive_estimator_is_not():
    # A problem solved with probability p = 0.3; draw n = 5 samples many times. The mean of the unbiased estimate
    # equals the true pass@2 = 1 - 0.7^2; the naive 1 - (1 - c/n)^2 averages below it (Jensen, Codex §2.1).
    p, n, k = 0.3, 5, 2
    exact = 1 - (1 - p) ** k
    weights = [math.comb(n, c) * p**c * (1 - p) ** (n - c) for c in range(n + 1)]
    unbiased = sum(w * pass_at_k(n, c, k) for c, w in enumerate(weights))
    naive = sum(w * (1 - (1 - c / n) ** k) for c, w in enumerate(weights))
    assert unbiased == pytest.approx(exact, abs=1e-12)
    assert naive < exact - 0.01


@pytest.mark.parametrize(("n", "c", "k"), [(3, 4, 1), (3, -1, 1), (0, 0, 1), (3, 1, 0), (3, 1, 4)])
def test_invalid_inputs_raise(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_table_leaves_out_k_larger_than_the_samples():
    table = pass_at_k_table([[True, False, False, False], [False] * 4], ks=(1, 2, 8))
    assert table == {"pass@1": 0.125, "pass@2": 0.25}
    assert mean_pass_at_k([(4, 1), (4, 0)], 1) == 0.125
