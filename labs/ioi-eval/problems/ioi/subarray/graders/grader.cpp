// Grader for "Best Subarray". Input: "N mode", then either N values (mode 0) or "seed lo hi" (mode 1: values
// from the shared LCG, so large tests stay small on disk). Prints the contestant's answer.
#include "subarray.h"

#include <cstdio>
#include <vector>

namespace subarray_grader {
unsigned long long state;
long long next_value(long long lo, long long hi) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return lo + (long long)((state >> 33) % (unsigned long long)(hi - lo + 1));
}
}  // namespace subarray_grader

int main() {
  int n, mode;
  if (scanf("%d %d", &n, &mode) != 2) return 1;
  std::vector<int> a(n);
  if (mode == 0) {
    for (int& x : a) scanf("%d", &x);
  } else {
    long long lo, hi;
    scanf("%llu %lld %lld", &subarray_grader::state, &lo, &hi);
    for (int& x : a) x = (int)subarray_grader::next_value(lo, hi);
  }
  printf("%lld\n", best_subarray(a));
  return 0;
}
