// Sort the points and pair neighbours (exchange argument: crossing pairs never help). 100 points.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>

int main() {
  int n;
  scanf("%d", &n);
  std::vector<long long> x(2 * n);
  for (auto& v : x) scanf("%lld", &v);
  std::vector<int> order(2 * n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return x[a] < x[b]; });
  for (int i = 0; i < 2 * n; i += 2) printf("%d %d\n", order[i] + 1, order[i + 1] + 1);
}
