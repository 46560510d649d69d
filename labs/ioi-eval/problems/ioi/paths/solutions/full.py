# The full solution in Python: this task has no grader (stdin to stdout), so it accepts Python too and the
# judge runs it as Python, with the same tests, checker and limits as C++ (inclusion-exclusion, O(K^2 + H + W)).
import sys

MOD = 10**9 + 7


def main():
    data = sys.stdin.read().split()
    h, w, k = int(data[0]), int(data[1]), int(data[2])
    pts = sorted((int(data[3 + 2 * i]), int(data[4 + 2 * i])) for i in range(k))
    pts.append((h, w))
    n = h + w
    fact = [1] * (n + 1)
    for i in range(1, n + 1):
        fact[i] = fact[i - 1] * i % MOD
    inv = [1] * (n + 1)
    inv[n] = pow(fact[n], MOD - 2, MOD)
    for i in range(n, 0, -1):
        inv[i - 1] = inv[i] * i % MOD

    def binom(a, b):
        if b < 0 or b > a:
            return 0
        return fact[a] * inv[b] % MOD * inv[a - b] % MOD

    ways = []
    for i, (r, c) in enumerate(pts):
        total = binom(r + c - 2, r - 1)
        for j in range(i):
            pr, pc = pts[j]
            if pr <= r and pc <= c:
                total -= ways[j] * binom(r - pr + c - pc, r - pr)
        ways.append(total % MOD)
    print(ways[-1])


main()
