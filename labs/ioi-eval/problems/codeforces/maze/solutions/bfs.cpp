// BFS from T backwards, then walk forward greedily: a different shortest path from bfs.py, equally accepted.
#include <cstdio>
#include <queue>
#include <string>
#include <vector>

int main() {
  int h, w;
  scanf("%d %d", &h, &w);
  std::vector<std::string> g(h);
  char buf[64];
  for (auto& row : g) scanf("%s", buf), row = buf;
  int sr = 0, sc = 0, tr = 0, tc = 0;
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++) {
      if (g[r][c] == 'S') sr = r, sc = c;
      if (g[r][c] == 'T') tr = r, tc = c;
    }
  std::vector<std::vector<int>> dist(h, std::vector<int>(w, -1));
  std::queue<std::pair<int, int>> q;
  dist[tr][tc] = 0;
  q.push({tr, tc});
  const int dr[] = {0, 0, -1, 1}, dc[] = {-1, 1, 0, 0};
  const char name[] = "LRUD";
  while (!q.empty()) {
    auto [r, c] = q.front();
    q.pop();
    for (int k = 0; k < 4; k++) {
      int nr = r + dr[k], nc = c + dc[k];
      if (nr >= 0 && nr < h && nc >= 0 && nc < w && g[nr][nc] != '#' && dist[nr][nc] < 0)
        dist[nr][nc] = dist[r][c] + 1, q.push({nr, nc});
    }
  }
  if (dist[sr][sc] < 0) return puts("-1"), 0;
  std::string path;
  for (int r = sr, c = sc; dist[r][c] > 0;)
    for (int k = 0; k < 4; k++) {
      int nr = r + dr[k], nc = c + dc[k];
      if (nr >= 0 && nr < h && nc >= 0 && nc < w && dist[nr][nc] == dist[r][c] - 1) {
        path += name[k], r = nr, c = nc;
        break;
      }
    }
  printf("%d\n%s\n", (int)path.size(), path.c_str());
}
