"""Regenerate every test of the bundled problem set from small Python reference solutions.

    python labs/ioi-eval/problems/make_tests.py          # rewrites */tests/*.in|out, deterministically
    python labs/ioi-eval/problems/make_tests.py pairing  # only the named problems

Each problem's tests come from a fixed seed, so rerunning this script changes nothing unless a generator
changes. The references here are the ground truth the C++/Python solutions in each `solutions/` folder are
checked against (`open-r1 competitive verify labs/ioi-eval/problems`). Large inputs are described by a seed
and read by the problem's grader (same generator, `lcg` below), which keeps the repository small.
"""

from __future__ import annotations

import math
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MASK = (1 << 64) - 1
MOD = 1_000_000_007


class Lcg:
    """The generator the C++ graders use: state = state * A + C (mod 2^64), value = state >> 33."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return self.state >> 33

    def value(self, lo: int, hi: int) -> int:
        return lo + self.next() % (hi - lo + 1)


def write(folder: Path, tests: dict[str, tuple[str, str]]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, (inp, out) in tests.items():
        (folder / f"{name}.in").write_text(inp)
        (folder / f"{name}.out").write_text(out)


# ---------------------------------------------------------------------------------------------------------------
# IOI: subarray (grader; large arrays generated from a seed)


def kadane(values: list[int]) -> int:
    best = cur = values[0]
    for x in values[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    return best


def subarray() -> None:
    rng = random.Random(101)
    tests = {}

    def explicit(name: str, values: list[int]) -> None:
        tests[name] = (f"{len(values)} 0\n{' '.join(map(str, values))}\n", f"{kadane(values)}\n")

    def seeded(name: str, n: int, seed: int, lo: int, hi: int) -> None:
        gen = Lcg(seed)
        values = [gen.value(lo, hi) for _ in range(n)]
        tests[name] = (f"{n} 1\n{seed} {lo} {hi}\n", f"{kadane(values)}\n")

    explicit("1-01", [-5])
    explicit("1-02", [-8, -3, -9, -4, -7, -3, -10, -6])
    explicit("1-03", [rng.randint(-100, 100) for _ in range(100)])
    seeded("2-01", 5000, 11, -1000, 1000)
    seeded("2-02", 5000, 12, -1000, -1)
    seeded("3-01", 500_000, 21, -1000, 1000)
    seeded("3-02", 500_000, 22, -5, 10)
    seeded("3-03", 500_000, 23, 1, 1_000_000_000)
    write(ROOT / "ioi/subarray/tests", tests)


# ---------------------------------------------------------------------------------------------------------------
# IOI: paths (monotone lattice paths avoiding blocked cells, mod 1e9+7)


def paths_count(h: int, w: int, blocked: list[tuple[int, int]]) -> int:
    def binom(n: int, k: int) -> int:
        return math.comb(n, k) % MOD if 0 <= k <= n else 0

    points = sorted(blocked) + [(h, w)]
    ways = []
    for i, (r, c) in enumerate(points):
        total = binom(r + c - 2, r - 1)
        for j in range(i):
            pr, pc = points[j]
            if pr <= r and pc <= c:
                total -= ways[j] * binom(r - pr + c - pc, r - pr)
        ways.append(total % MOD)
    return ways[-1]


def paths() -> None:
    rng = random.Random(202)
    tests = {}

    def case(name: str, h: int, w: int, blocked: list[tuple[int, int]]) -> None:
        body = "".join(f"{r} {c}\n" for r, c in blocked)
        tests[name] = (f"{h} {w} {len(blocked)}\n{body}", f"{paths_count(h, w, blocked)}\n")

    def random_blocks(h: int, w: int, k: int) -> list[tuple[int, int]]:
        cells: set[tuple[int, int]] = set()
        while len(cells) < k:
            cell = (rng.randint(1, h), rng.randint(1, w))
            if cell not in ((1, 1), (h, w)):
                cells.add(cell)
        return rng.sample(sorted(cells), k)  # input order is not sorted

    case("1-01", 3, 3, [])
    case("1-02", 3, 3, [(2, 2)])
    case("1-03", 5, 5, random_blocks(5, 5, 3))
    case("1-04", 4, 5, random_blocks(4, 5, 2))
    case("2-01", 100_000, 100_000, [])
    case("2-02", 1, 100_000, [])
    case("2-03", 777, 12_345, [])
    case("3-01", 100_000, 100_000, random_blocks(100_000, 100_000, 50))
    case("3-02", 2000, 3000, random_blocks(2000, 3000, 50))
    case("3-03", 100_000, 1, [(50_000, 1)])
    write(ROOT / "ioi/paths/tests", tests)


# ---------------------------------------------------------------------------------------------------------------
# IOI: whisper (Communication: encode a word into bits, decode it in another process)


def whisper() -> None:
    rng = random.Random(303)
    words = {
        "1-01": "ab",
        "1-02": "".join(rng.choice("ab") for _ in range(100)),
        "2-01": "hello",
        "2-02": "z",
        "2-03": "abcxyz",
        "3-01": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(100)),
        "3-02": "thequickbrownfoxjumpsoverthelazydog",
    }
    write(ROOT / "ioi/whisper/tests", {name: (f"{w}\n", f"{w}\n") for name, w in words.items()})


# ---------------------------------------------------------------------------------------------------------------
# IOI: pairing (checker with partial scores; any optimal pairing is accepted)


def pairing() -> None:
    rng = random.Random(404)
    tests = {}

    def case(name: str, xs: list[int]) -> None:
        s = sorted(xs)
        opt = sum(s[i + 1] - s[i] for i in range(0, len(s), 2))
        tests[name] = (f"{len(xs) // 2}\n{' '.join(map(str, xs))}\n", f"{opt}\n")

    def distinct(n: int, lo: int, hi: int) -> list[int]:
        return rng.sample(range(lo, hi + 1), n)

    case("1-01", [5, 3])
    case("1-02", [1, 100, 2, 101])
    case("1-03", distinct(8, -50, 50))
    case("2-01", sorted(distinct(3000, -10**9, 10**9)))
    case("2-02", [1, 2, 3, 4, 5, 6])
    case("3-01", distinct(3000, -10**9, 10**9))
    case("3-02", distinct(2000, 0, 10**6))
    write(ROOT / "ioi/pairing/tests", tests)


# ---------------------------------------------------------------------------------------------------------------
# IOI: railway (grader + header; range maximum queries)


def railway() -> None:
    rng = random.Random(505)
    tests = {}

    def explicit(name: str, heights: list[int], queries: list[tuple[int, int]]) -> None:
        body = "".join(f"{lo} {hi}\n" for lo, hi in queries)
        answers = "".join(f"{max(heights[lo:hi + 1])}\n" for lo, hi in queries)
        tests[name] = (f"{len(heights)} {len(queries)} 0\n{' '.join(map(str, heights))}\n{body}", answers)

    def seeded(name: str, n: int, q: int, seed: int, max_h: int, ordered: int) -> None:
        gen = Lcg(seed)
        heights = [gen.value(1, max_h) for _ in range(n)]
        if ordered:
            heights.sort()
        # sparse table for the reference
        table = [heights]
        k = 1
        while (1 << k) <= n:
            prev = table[-1]
            half = 1 << (k - 1)
            table.append([max(prev[i], prev[i + half]) for i in range(n - (1 << k) + 1)])
            k += 1
        checksum = 0
        for i in range(q):
            lo, hi = gen.next() % n, gen.next() % n
            if lo > hi:
                lo, hi = hi, lo
            j = (hi - lo + 1).bit_length() - 1
            ans = max(table[j][lo], table[j][hi - (1 << j) + 1])
            checksum = (checksum + (i + 1) * ans) & MASK
        tests[name] = (f"{n} {q} 1\n{seed} {max_h} {ordered}\n", f"{checksum}\n")

    def random_queries(n: int, q: int) -> list[tuple[int, int]]:
        out = []
        for _ in range(q):
            a, b = rng.randrange(n), rng.randrange(n)
            out.append((min(a, b), max(a, b)))
        return out

    explicit("1-01", [7], [(0, 0)])
    h = [rng.randint(1, 50) for _ in range(10)]
    explicit("1-02", h, random_queries(10, 10))
    h = [rng.randint(1, 10**9) for _ in range(100)]
    explicit("1-03", h, random_queries(100, 100))
    seeded("2-01", 200_000, 200_000, 61, 10**9, 1)
    seeded("2-02", 200_000, 200_000, 62, 10, 1)
    seeded("3-01", 200_000, 200_000, 71, 10**9, 0)
    seeded("3-02", 200_000, 200_000, 72, 100, 0)
    write(ROOT / "ioi/railway/tests", tests)


# ---------------------------------------------------------------------------------------------------------------
# IOI: knapsack (0/1 knapsack; small N with huge weights, or small capacity)


def knapsack_best(cap: int, items: list[tuple[int, int]]) -> int:
    if len(items) <= 20:
        best = 0
        for mask in range(1 << len(items)):
            w = v = 0
            for i, (wi, vi) in enumerate(items):
                if mask >> i & 1:
                    w += wi
                    v += vi
            if w <= cap:
                best = max(best, v)
        return best
    dp = [0] * (cap + 1)
    for wi, vi in items:
        for c in range(cap, wi - 1, -1):
            if dp[c - wi] + vi > dp[c]:
                dp[c] = dp[c - wi] + vi
    return max(dp)


def knapsack() -> None:
    rng = random.Random(606)
    tests = {}

    def case(name: str, cap: int, items: list[tuple[int, int]]) -> None:
        body = "".join(f"{w} {v}\n" for w, v in items)
        tests[name] = (f"{len(items)} {cap}\n{body}", f"{knapsack_best(cap, items)}\n")

    case("1-01", 1_000_000_000, [(600_000_000, 700), (500_000_000, 500), (500_000_000, 500)])
    case("1-02", 10, [(6, 7), (5, 5), (5, 5)])
    case("1-03", 987_654_321, [(rng.randint(1, 10**9), rng.randint(1, 1000)) for _ in range(15)])
    case("2-01", 100, [(1, rng.randint(1, 10**9)) for _ in range(100)])
    case("2-02", 37, [(1, rng.randint(1, 10**9)) for _ in range(80)])
    case("3-01", 100_000, [(rng.randint(1, 100_000), rng.randint(1, 10**9)) for _ in range(100)])
    case("3-02", 50_000, [(rng.randint(1, 5000), rng.randint(1, 10**9)) for _ in range(100)])
    write(ROOT / "ioi/knapsack/tests", tests)


# ---------------------------------------------------------------------------------------------------------------
# Codeforces-style problems: official (statement) tests and generated tests


def cf(problem: str, official: dict[str, tuple[str, str]], generated: dict[str, tuple[str, str]]) -> None:
    write(ROOT / f"codeforces/{problem}/tests/official", official)
    write(ROOT / f"codeforces/{problem}/tests/generated", generated)


def triangle() -> None:
    rng = random.Random(707)

    def case(sides: list[tuple[int, int, int]]) -> tuple[str, str]:
        inp = f"{len(sides)}\n" + "".join(f"{a} {b} {c}\n" for a, b, c in sides)
        out = ""
        for a, b, c in sides:
            s = (a + b + c) / 2
            out += f"{math.sqrt(s * (s - a) * (s - b) * (s - c)):.10f}\n"
        return inp, out

    def random_triangle(hi: int) -> tuple[int, int, int]:
        while True:
            a, b, c = (rng.randint(1, hi) for _ in range(3))
            if a + b > c and a + c > b and b + c > a:
                return a, b, c

    cf("triangle",
       {"01": case([(3, 4, 5)]), "02": case([(1, 1, 1), (5, 5, 6)])},
       {"01": case([random_triangle(10) for _ in range(10)]),
        "02": case([random_triangle(10**6) for _ in range(200)]),
        "03": case([(6, 8, 10), (5, 12, 13)])})


def divisor() -> None:
    def smallest(n: int) -> int:
        d = 2
        while d * d <= n:
            if n % d == 0:
                return d
            d += 1
        return -1

    def case(ns: list[int]) -> tuple[str, str]:
        return f"{len(ns)}\n" + "".join(f"{n}\n" for n in ns), "".join(f"{smallest(n)}\n" for n in ns)

    cf("divisor",
       {"01": case([6, 7, 9]), "02": case([2, 15])},
       {"01": case([9_999_999_967, 10]),  # a prime near 1e10: trial division to n is hopeless
        "02": case([49, 77, 1_000_000_007 * 3]),
        "03": case([9_999_999_999, 121]),
        "04": case([9_999_999_019])})


def wordsort() -> None:
    rng = random.Random(808)

    def case(words: list[str]) -> tuple[str, str]:
        return f"{len(words)}\n{' '.join(words)}\n", "".join(f"{w}\n" for w in sorted(words))

    def word() -> str:
        return "".join(rng.choice("abcde") for _ in range(rng.randint(1, 8)))

    cf("wordsort",
       {"01": case(["pear", "apple", "fig"]), "02": case(["b", "a"])},
       {"01": case([word() for _ in range(50)]), "02": case(["zz", "a", "zzz", "ab"]), "03": case(["x"])})


def square() -> None:
    rng = random.Random(909)

    def case(xs: list[int]) -> tuple[str, str]:
        out = "".join(("YES" if math.isqrt(x) ** 2 == x else "NO") + "\n" for x in xs)
        return f"{len(xs)}\n" + "".join(f"{x}\n" for x in xs), out

    big = [rng.randint(10**8, 10**9) ** 2 for _ in range(5)]
    cf("square",
       {"01": case([4, 5, 16]), "02": case([1, 2, 1000000])},
       {"01": case(big + [b + 1 for b in big]),
        "02": case([10**18 - 1, 10**18]),  # 10^18 - 1 is not a square, but as a double it is 10^18
        "03": case([rng.randint(1, 10**6) for _ in range(20)])})


def maze() -> None:
    rng = random.Random(1010)

    def shortest(grid: list[str]) -> int:
        h, w = len(grid), len(grid[0])
        start = next((r, c) for r in range(h) for c in range(w) if grid[r][c] == "S")
        dist = {start: 0}
        queue = [start]
        for r, c in queue:
            if grid[r][c] == "T":
                return dist[(r, c)]
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                nr, nc = r + dr, c + dc
                if 0 <= nr < h and 0 <= nc < w and grid[nr][nc] != "#" and (nr, nc) not in dist:
                    dist[(nr, nc)] = dist[(r, c)] + 1
                    queue.append((nr, nc))
        return -1

    def case(grid: list[str]) -> tuple[str, str]:
        return f"{len(grid)} {len(grid[0])}\n" + "".join(row + "\n" for row in grid), f"{shortest(grid)}\n"

    def random_grid(h: int, w: int, density: float) -> list[str]:
        rows = [["#" if rng.random() < density else "." for _ in range(w)] for _ in range(h)]
        rows[0][0], rows[h - 1][w - 1] = "S", "T"
        return ["".join(r) for r in rows]

    cf("maze",
       {"01": case(["S.", ".T"]), "02": case(["S#", "#T"])},
       {"01": case(random_grid(30, 30, 0.2)), "02": case(random_grid(30, 30, 0.0)),
        "03": case(["S....", "####.", "T...."]), "04": case(random_grid(20, 25, 0.3))})


def primesum() -> None:
    def case(n: int) -> tuple[str, str]:
        sieve = bytearray([1]) * (n + 1)
        sieve[0:2] = b"\0\0"[: min(2, n + 1)]
        for i in range(2, math.isqrt(n) + 1):
            if sieve[i]:
                sieve[i * i:: i] = bytearray(len(range(i * i, n + 1, i)))
        return f"{n}\n", f"{sum(i for i in range(n + 1) if sieve[i])}\n"

    cf("primesum", {"01": case(10), "02": case(1)}, {"01": case(100), "02": case(2_000_000), "03": case(1_999_993)})


MAKERS = (subarray, paths, whisper, pairing, railway, knapsack, triangle, divisor, wordsort, square, maze, primesum)

if __name__ == "__main__":
    import sys

    wanted = set(sys.argv[1:])  # problem names; none = all
    for make in MAKERS:
        if not wanted or make.__name__ in wanted:
            make()
            print(f"wrote tests: {make.__name__}")
