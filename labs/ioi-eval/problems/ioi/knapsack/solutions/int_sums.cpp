// The full solution with 32-bit sums: worths up to 10^9 overflow as soon as two are added (subtasks 2, 3).
// 20 points.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
  int n;
  long long cap;
  scanf("%d %lld", &n, &cap);
  std::vector<long long> w(n);
  std::vector<int> v(n);
  for (int i = 0; i < n; i++) scanf("%lld %d", &w[i], &v[i]);
  int best = 0;
  if (n <= 20) {
    for (int mask = 0; mask < (1 << n); mask++) {
      long long tw = 0;
      int tv = 0;
      for (int i = 0; i < n; i++)
        if (mask >> i & 1) tw += w[i], tv += v[i];
      if (tw <= cap) best = std::max(best, tv);
    }
  } else {
    std::vector<int> dp(cap + 1, 0);
    for (int i = 0; i < n; i++)
      for (long long c = cap; c >= w[i]; c--) dp[c] = std::max(dp[c], dp[c - w[i]] + v[i]);
    best = dp[cap];
  }
  printf("%d\n", best);
}
