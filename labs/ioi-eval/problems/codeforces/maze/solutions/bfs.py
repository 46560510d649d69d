from collections import deque

h, w = map(int, input().split())
grid = [input() for _ in range(h)]
start = next((r, row.index("S")) for r, row in enumerate(grid) if "S" in row)
prev = {start: None}
queue = deque([start])
while queue:
    r, c = queue.popleft()
    if grid[r][c] == "T":
        path = []
        while prev[(r, c)] is not None:
            (r, c), move = prev[(r, c)]
            path.append(move)
        print(len(path))
        print("".join(reversed(path)))
        break
    for move, dr, dc in (("D", 1, 0), ("U", -1, 0), ("R", 0, 1), ("L", 0, -1)):
        nr, nc = r + dr, c + dc
        if 0 <= nr < h and 0 <= nc < w and grid[nr][nc] != "#" and (nr, nc) not in prev:
            prev[(nr, nc)] = ((r, c), move)
            queue.append((nr, nc))
else:
    print(-1)
