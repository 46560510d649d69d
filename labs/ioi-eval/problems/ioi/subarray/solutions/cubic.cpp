// Every (start, end) pair summed from scratch: O(N^3). Subtask 1 only: 15 points.
#include "subarray.h"

long long best_subarray(std::vector<int> A) {
  long long best = A[0];
  int n = A.size();
  for (int i = 0; i < n; i++)
    for (int j = i; j < n; j++) {
      long long sum = 0;
      for (int k = i; k <= j; k++) sum += A[k];
      if (sum > best) best = sum;
    }
  return best;
}
