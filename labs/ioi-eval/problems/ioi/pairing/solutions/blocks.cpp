// Sorts, then pairs (1st, 3rd) and (2nd, 4th) in each block of four: valid, about twice the optimum. It is
// within 3x on the large tests but not on test 1-02. Partial credit (PA) in subtask 2: 15 points.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <vector>

int main() {
  int n;
  scanf("%d", &n);
  std::vector<long long> x(2 * n);
  for (auto& v : x) scanf("%lld", &v);
  std::vector<int> o(2 * n);
  std::iota(o.begin(), o.end(), 0);
  std::sort(o.begin(), o.end(), [&](int a, int b) { return x[a] < x[b]; });
  int i = 0;
  for (; i + 4 <= 2 * n; i += 4) {
    printf("%d %d\n", o[i] + 1, o[i + 2] + 1);
    printf("%d %d\n", o[i + 1] + 1, o[i + 3] + 1);
  }
  if (i < 2 * n) printf("%d %d\n", o[i] + 1, o[i + 1] + 1);
}
