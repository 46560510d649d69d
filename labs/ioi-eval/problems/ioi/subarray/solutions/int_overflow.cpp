// Kadane with 32-bit sums: right until the sums exceed 2^31 (test 3-03). 50 points.
#include "subarray.h"

#include <algorithm>

long long best_subarray(std::vector<int> A) {
  int best = A[0], cur = A[0];
  for (size_t i = 1; i < A.size(); i++) {
    cur = std::max(A[i], cur + A[i]);
    best = std::max(best, cur);
  }
  return best;
}
