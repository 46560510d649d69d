# Depth-first search finds *a* path, rarely a shortest one.
h, w = map(int, input().split())
grid = [input() for _ in range(h)]
start = next((r, row.index("S")) for r, row in enumerate(grid) if "S" in row)
seen = {start}
stack = [(start, "")]
while stack:
    (r, c), path = stack.pop()
    if grid[r][c] == "T":
        print(len(path))
        print(path)
        break
    for move, dr, dc in (("U", -1, 0), ("L", 0, -1), ("D", 1, 0), ("R", 0, 1)):
        nr, nc = r + dr, c + dc
        if 0 <= nr < h and 0 <= nc < w and grid[nr][nc] != "#" and (nr, nc) not in seen:
            seen.add((nr, nc))
            stack.append(((nr, nc), path + move))
else:
    print(-1)
