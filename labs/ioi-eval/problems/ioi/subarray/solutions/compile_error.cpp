// A missing semicolon: compilation error, 0 points.
#include "subarray.h"

long long best_subarray(std::vector<int> A) {
  long long best = A[0]
  return best;
}
