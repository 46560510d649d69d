"""Checker of "Any Divisor" (trusted): any proper divisor is right; -1 exactly when n is prime.

The answer file holds the smallest proper divisor (or -1), which says whether n is prime.
"""


def check(input: str, output: str, answer: str) -> tuple[float, str]:
    ns = [int(v) for v in input.split()[1:]]
    reference = [int(v) for v in answer.split()]
    got = output.split()
    if len(got) != len(ns):
        return 0.0, f"expected {len(ns)} numbers, found {len(got)}"
    for i, (n, ref, token) in enumerate(zip(ns, reference, got, strict=True), start=1):
        try:
            d = int(token)
        except ValueError:
            return 0.0, f"line {i}: {token!r} is not an integer"
        if ref == -1:
            if d != -1:
                return 0.0, f"line {i}: {n} is prime, expected -1"
        elif not (1 < d < n and n % d == 0):
            return 0.0, f"line {i}: {d} is not a proper divisor of {n}"
    return 1.0, "ok"
