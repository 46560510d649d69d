// Best worth-per-weight first: optimal when every weight is 1 (subtask 2), wrong in general. 25 points.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
  int n;
  long long cap;
  scanf("%d %lld", &n, &cap);
  std::vector<std::pair<long long, long long>> items(n);
  for (auto& [w, v] : items) scanf("%lld %lld", &w, &v);
  std::sort(items.begin(), items.end(), [](auto a, auto b) { return (__int128)a.second * b.first > (__int128)b.second * a.first; });
  long long total = 0;
  for (auto [w, v] : items)
    if (w <= cap) cap -= w, total += v;
  printf("%lld\n", total);
}
