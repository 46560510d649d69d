// Precomputes every (L, R) answer in an N x N table: O(N^2) memory, far over the limit beyond subtask 1.
// 10 points, memory limit exceeded.
#include "railway.h"

#include <algorithm>

static std::vector<std::vector<int>> answer;

void init(std::vector<int> H) {
  int n = H.size();
  answer.assign(n, std::vector<int>(n, 0));
  for (int l = 0; l < n; l++) {
    int best = 0;
    for (int r = l; r < n; r++) answer[l][r] = best = std::max(best, H[r]);
  }
}

int tallest(int L, int R) { return answer[L][R]; }
