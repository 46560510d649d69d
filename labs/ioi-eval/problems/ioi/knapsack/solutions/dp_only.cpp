// DP over capacity only: needs C+1 cells, so C = 10^9 (subtask 1) exceeds the memory limit. 80 points.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
  int n;
  long long cap;
  scanf("%d %lld", &n, &cap);
  std::vector<long long> dp(cap + 1, 0);
  for (int i = 0; i < n; i++) {
    long long w, v;
    scanf("%lld %lld", &w, &v);
    for (long long c = cap; c >= w; c--) dp[c] = std::max(dp[c], dp[c - w] + v);
  }
  printf("%lld\n", dp[cap]);
}
