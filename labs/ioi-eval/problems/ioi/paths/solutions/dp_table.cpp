// The textbook DP over a full H x W table: right, but the table needs H*W ints -- out of memory as soon as the
// grid is large (subtask 2). 20 points, memory limit exceeded.
#include <cstdio>
#include <vector>

int main() {
  int h, w, k;
  scanf("%d %d %d", &h, &w, &k);
  std::vector<std::vector<int>> ways(h + 1, std::vector<int>(w + 1, 0));
  std::vector<std::vector<char>> blocked(h + 1, std::vector<char>(w + 1, 0));
  for (int i = 0; i < k; i++) {
    int r, c;
    scanf("%d %d", &r, &c);
    blocked[r][c] = 1;
  }
  ways[1][1] = 1;
  for (int r = 1; r <= h; r++)
    for (int c = 1; c <= w; c++) {
      if (blocked[r][c] || (r == 1 && c == 1)) continue;
      ways[r][c] = (ways[r - 1][c] + ways[r][c - 1]) % 1000000007;
    }
  printf("%d\n", ways[h][w]);
}
