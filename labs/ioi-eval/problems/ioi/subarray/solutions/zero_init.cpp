// Kadane that allows the empty subarray (best starts at 0): wrong when every value is negative. 0 points.
#include "subarray.h"

#include <algorithm>

long long best_subarray(std::vector<int> A) {
  long long best = 0, cur = 0;
  for (int x : A) {
    cur = std::max(0LL, cur + x);
    best = std::max(best, cur);
  }
  return best;
}
