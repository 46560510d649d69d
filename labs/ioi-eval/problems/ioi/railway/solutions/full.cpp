// Sparse table: O(N log N) to build, O(1) per query. 100 points.
#include "railway.h"

#include <algorithm>

static std::vector<std::vector<int>> table;

void init(std::vector<int> H) {
  int n = H.size();
  table.assign(1, H);
  for (int k = 1; (1 << k) <= n; k++) {
    const std::vector<int>& prev = table.back();
    std::vector<int> row(n - (1 << k) + 1);
    for (size_t i = 0; i < row.size(); i++) row[i] = std::max(prev[i], prev[i + (1 << (k - 1))]);
    table.push_back(row);
  }
}

int tallest(int L, int R) {
  int k = 31 - __builtin_clz(R - L + 1);
  return std::max(table[k][L], table[k][R - (1 << k) + 1]);
}
