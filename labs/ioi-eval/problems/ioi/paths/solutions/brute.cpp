// Enumerate every path recursively: exponential, only for tiny grids. 20 points, time limit exceeded.
#include <cstdio>
#include <set>
#include <utility>

int h, w;
std::set<std::pair<int, int>> blocked;

long long walk(int r, int c) {
  if (r > h || c > w || blocked.count({r, c})) return 0;
  if (r == h && c == w) return 1;
  return (walk(r + 1, c) + walk(r, c + 1)) % 1000000007;
}

int main() {
  int k;
  scanf("%d %d %d", &h, &w, &k);
  for (int i = 0; i < k; i++) {
    int r, c;
    scanf("%d %d", &r, &c);
    blocked.insert({r, c});
  }
  printf("%lld\n", walk(1, 1));
}
