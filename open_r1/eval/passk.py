"""Unbiased pass@k: the probability that at least one of k samples is correct, estimated from n ≥ k samples.

WHAT
    `pass_at_k(n, c, k)` → float for one problem with n samples of which c are correct;
    `mean_pass_at_k(counts, k)` → the benchmark score (mean over problems, in [0, 1]);
    `pass_at_k_table(per_problem, ks)` → {"pass@1": ..., "pass@8": ...} from per-problem lists of booleans.

WHY
    Codex (arXiv 2107.03374 §2.1) shows that the obvious estimator 1 - (1 - c/n)^k is biased (it overestimates
    pass@k: Jensen's inequality on a concave function of the estimated rate), and that drawing exactly k samples per
    problem has high variance. The unbiased estimator draws n ≥ k samples and counts the k-subsets that contain a
    correct one. DeepSeek-R1 (arXiv 2501.12948 §3, "Evaluation Setup") reports pass@1 estimated this way from
    k = 4..64 samples at temperature 0.6 and top-p 0.95 — with greedy decoding a long-CoT model repeats itself, and
    a single sample is too noisy. Our reports recompute pass@k from lighteval's per-sample details with this code,
    so the number on a results table does not depend on which metric names a given lighteval version ships.

HOW
    pass@k = E_problems[ 1 - C(n-c, k) / C(n, k) ].
    C(n-c, k) / C(n, k) = Π_{i=n-c+1}^{n} (1 - k / i), a product of c terms: no huge binomials, no overflow, and
    exact limits (c = 0 → 0; n - c < k → 1). For k = 1 it reduces to c / n.

DATA FLOW
    open_r1.eval.benchmarks (lighteval details → per-problem correctness → here → results table), open_r1.curate.tools
    (pass rates of generated samples), tests/eval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem: n samples, c of them correct.

    >>> pass_at_k(10, 0, 1), pass_at_k(10, 3, 1), pass_at_k(10, 8, 3)
    (0.0, 0.3, 1.0)
    >>> round(pass_at_k(4, 1, 2), 4)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    0.5
    """
    if not (isinstance(n, int) and isinstance(c, int) and isinstance(k, int)):
        raise TypeError(f"pass_at_k needs integers, got n={n!r}, c={c!r}, k={k!r}")
    if n < 1 or k < 1:
        raise ValueError(f"pass_at_k needs n >= 1 and k >= 1, got n={n}, k={k}")
    if not 0 <= c <= n:
        raise ValueError(f"correct count c={c} must lie in [0, n={n}]")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per problem, got n={n}: sample more or lower k")
    if k == 1:
        return c / n  # the product below equals 1 - c/n; returning c/n avoids its rounding
    if n - c < k:
        # Every k-subset must contain a correct sample.
        return 1.0
    # Probability that a random k-subset has no correct sample: Π_{i=n-c+1}^{n} (1 - k/i).
    p_none = 1.0
    for i in range(n - c + 1, n + 1):
        p_none *= 1.0 - k / i
    return 1.0 - p_none


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """Mean unbiased pass@k over problems given as (n, c) pairs (n may differ between problems)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise ValueError("no problems to score")
    return sum(values) / len(values)


def pass_at_k_table(per_problem: Sequence[Sequence[bool]], ks: Iterable[int] = (1,)) -> dict[str, float]:
    """{"pass@k": score} for each k that every problem has enough samples for (others are left out)."""
    counts = [(len(samples), sum(bool(s) for s in samples)) for samples in per_problem]
    if not counts:
        return {}
    least = min(n for n, _ in counts)
    return {f"pass@{k}": round(mean_pass_at_k(counts, k), 6) for k in ks if k <= least}
