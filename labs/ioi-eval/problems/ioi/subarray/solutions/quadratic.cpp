// Every start, extend to every end: O(N^2). Fast enough for N <= 5000 only: 15 + 35 = 50 points.
#include "subarray.h"

long long best_subarray(std::vector<int> A) {
  long long best = A[0];
  int n = A.size();
  for (int i = 0; i < n; i++) {
    long long sum = 0;
    for (int j = i; j < n; j++) {
      sum += A[j];
      if (sum > best) best = sum;
    }
  }
  return best;
}
