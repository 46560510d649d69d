// Prefix sums in a fixed-size buffer accessed with .at(): throws (runtime error) once N > 100000. 50 points.
#include "subarray.h"

#include <algorithm>

long long best_subarray(std::vector<int> A) {
  std::vector<long long> pre(100001, 0);
  long long best = A[0], low = 0;
  for (size_t i = 0; i < A.size(); i++) {
    pre.at(i + 1) = pre.at(i) + A[i];
    best = std::max(best, pre.at(i + 1) - low);
    low = std::min(low, pre.at(i + 1));
  }
  return best;
}
