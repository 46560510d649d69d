// Interval DP over the sorted points, O(N^3): correct but far too slow beyond subtask 1. 20 points.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>

int main() {
  int n;
  scanf("%d", &n);
  int m = 2 * n;
  std::vector<long long> x(m);
  for (auto& v : x) scanf("%lld", &v);
  std::vector<int> o(m);
  std::iota(o.begin(), o.end(), 0);
  std::sort(o.begin(), o.end(), [&](int a, int b) { return x[a] < x[b]; });
  // best[i][j]: minimum cost to pair sorted points i..j (even length); choice[i][j]: partner of i
  std::vector<std::vector<long long>> best(m, std::vector<long long>(m, 0));
  std::vector<std::vector<int>> choice(m, std::vector<int>(m, -1));
  for (int len = 2; len <= m; len += 2)
    for (int i = 0; i + len - 1 < m; i++) {
      int j = i + len - 1;
      best[i][j] = -1;
      for (int k = i + 1; k <= j; k += 2) {
        long long c = x[o[k]] - x[o[i]] + (k > i + 1 ? best[i + 1][k - 1] : 0) + (k < j ? best[k + 1][j] : 0);
        if (best[i][j] < 0 || c < best[i][j]) best[i][j] = c, choice[i][j] = k;
      }
    }
  std::vector<std::pair<int, int>> stack = {{0, m - 1}};
  while (!stack.empty()) {
    auto [i, j] = stack.back();
    stack.pop_back();
    if (i >= j) continue;
    int k = choice[i][j];
    printf("%d %d\n", o[i] + 1, o[k] + 1);
    stack.push_back({i + 1, k - 1});
    stack.push_back({k + 1, j});
  }
}
