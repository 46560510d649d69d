// Small N: try every subset (weights may be huge). Otherwise: DP over capacity (C <= 100000). 100 points.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
  int n;
  long long cap;
  scanf("%d %lld", &n, &cap);
  std::vector<long long> w(n), v(n);
  for (int i = 0; i < n; i++) scanf("%lld %lld", &w[i], &v[i]);
  long long best = 0;
  if (n <= 20) {
    for (int mask = 0; mask < (1 << n); mask++) {
      long long tw = 0, tv = 0;
      for (int i = 0; i < n; i++)
        if (mask >> i & 1) tw += w[i], tv += v[i];
      if (tw <= cap) best = std::max(best, tv);
    }
  } else {
    std::vector<long long> dp(cap + 1, 0);
    for (int i = 0; i < n; i++)
      for (long long c = cap; c >= w[i]; c--) dp[c] = std::max(dp[c], dp[c - w[i]] + v[i]);
    best = dp[cap];
  }
  printf("%lld\n", best);
}
