// Every subset, whatever N: 2^100 is hopeless. Subtask 1 only: 20 points.
#include <algorithm>
#include <cstdio>
#include <vector>

int n;
long long cap, best;
std::vector<long long> w, v;

void go(int i, long long tw, long long tv) {
  if (tw > cap) return;
  if (i == n) {
    best = std::max(best, tv);
    return;
  }
  go(i + 1, tw, tv);
  go(i + 1, tw + w[i], tv + v[i]);
}

int main() {
  scanf("%d %lld", &n, &cap);
  w.resize(n);
  v.resize(n);
  for (int i = 0; i < n; i++) scanf("%lld %lld", &w[i], &v[i]);
  go(0, 0, 0);
  printf("%lld\n", best);
}
