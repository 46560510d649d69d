// Inclusion-exclusion over the blocked cells sorted by position: ways(b) = paths(start, b) minus the paths
// through an earlier blocked cell. O(K^2 + H + W). 100 points.
#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

const long long MOD = 1000000007;
std::vector<long long> fact, inv;

long long power(long long b, long long e) {
  long long r = 1;
  for (b %= MOD; e; e >>= 1, b = b * b % MOD)
    if (e & 1) r = r * b % MOD;
  return r;
}

long long binom(int n, int k) {
  if (k < 0 || k > n) return 0;
  return fact[n] * inv[k] % MOD * inv[n - k] % MOD;
}

int main() {
  int h, w, k;
  scanf("%d %d %d", &h, &w, &k);
  std::vector<std::pair<int, int>> pts(k);
  for (auto& p : pts) scanf("%d %d", &p.first, &p.second);
  std::sort(pts.begin(), pts.end());
  pts.push_back({h, w});
  int n = h + w;
  fact.assign(n + 1, 1);
  inv.assign(n + 1, 1);
  for (int i = 1; i <= n; i++) fact[i] = fact[i - 1] * i % MOD;
  inv[n] = power(fact[n], MOD - 2);
  for (int i = n; i > 0; i--) inv[i - 1] = inv[i] * i % MOD;
  std::vector<long long> ways(pts.size());
  for (size_t i = 0; i < pts.size(); i++) {
    auto [r, c] = pts[i];
    long long total = binom(r + c - 2, r - 1);
    for (size_t j = 0; j < i; j++) {
      auto [pr, pc] = pts[j];
      if (pr <= r && pc <= c) total = (total - ways[j] * binom(r - pr + c - pc, r - pr)) % MOD;
    }
    ways[i] = (total + MOD) % MOD;
  }
  printf("%lld\n", ways.back());
}
