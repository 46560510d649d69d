// Grader for "Railway Towers". Input "N Q mode". Mode 0: heights, then Q lines "L R"; prints each answer.
// Mode 1: "seed maxh sorted"; heights and queries come from the shared LCG; prints sum (i+1)*answer_i mod 2^64.
#include "railway.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace railway_grader {
unsigned long long state;
unsigned long long next() {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 33;
}
}  // namespace railway_grader

int main() {
  int n, q, mode;
  if (scanf("%d %d %d", &n, &q, &mode) != 3) return 1;
  std::vector<int> h(n);
  if (mode == 0) {
    for (int& x : h) scanf("%d", &x);
    init(h);
    for (int i = 0; i < q; i++) {
      int l, r;
      scanf("%d %d", &l, &r);
      printf("%d\n", tallest(l, r));
    }
    return 0;
  }
  long long max_h;
  int sorted;
  scanf("%llu %lld %d", &railway_grader::state, &max_h, &sorted);
  for (int& x : h) x = 1 + (int)(railway_grader::next() % (unsigned long long)max_h);
  if (sorted) std::sort(h.begin(), h.end());
  init(h);
  unsigned long long checksum = 0;
  for (int i = 0; i < q; i++) {
    int l = railway_grader::next() % n, r = railway_grader::next() % n;
    if (l > r) std::swap(l, r);
    checksum += (unsigned long long)(i + 1) * (unsigned long long)tallest(l, r);
  }
  printf("%llu\n", checksum);
  return 0;
}
