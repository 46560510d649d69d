"""Checker of "Pairing" (trusted): any valid pairing; 1 if optimal, 0.5 if within 3x the optimum, else 0."""


def check(input: str, output: str, answer: str) -> tuple[float, str]:
    data = input.split()
    n = int(data[0])
    xs = [int(v) for v in data[1 : 2 * n + 1]]
    optimum = int(answer.split()[0])
    tokens = output.split()
    if len(tokens) != 2 * n:
        return 0.0, f"expected {2 * n} indices, found {len(tokens)}"
    try:
        indices = [int(t) for t in tokens]
    except ValueError:
        return 0.0, "an index is not an integer"
    if sorted(indices) != list(range(1, 2 * n + 1)):
        return 0.0, "not a pairing: every index 1..2N must appear exactly once"
    cost = sum(abs(xs[indices[i] - 1] - xs[indices[i + 1] - 1]) for i in range(0, 2 * n, 2))
    if cost < optimum:
        raise RuntimeError(f"cost {cost} is below the reference optimum {optimum}: the answer file is wrong")
    if cost == optimum:
        return 1.0, f"optimal ({cost})"
    if cost <= 3 * optimum:
        return 0.5, f"cost {cost} within 3x the optimum {optimum}"
    return 0.0, f"cost {cost} is more than 3x the optimum {optimum}"
