"""Checker of "Maze" (trusted): replays the moves; accepts any path of the shortest length.

The answer file holds the shortest length (or -1).
"""

MOVES = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def check(input: str, output: str, answer: str) -> tuple[float, str]:
    lines = input.split()
    h, w = int(lines[0]), int(lines[1])
    grid = lines[2 : 2 + h]
    best = int(answer.split()[0])
    got = output.split()
    if not got:
        return 0.0, "empty output"
    try:
        length = int(got[0])
    except ValueError:
        return 0.0, f"{got[0]!r} is not a length"
    if best == -1 or length == -1:
        return (1.0, "ok: unreachable") if best == length and len(got) == 1 else (0.0, f"expected {best}")
    if length != best:
        return 0.0, f"path length {length}, the shortest is {best}"
    moves = got[1] if len(got) > 1 else ""
    if len(got) > 2 or len(moves) != length:
        return 0.0, f"expected {length} moves on one line"
    r, c = next((i, row.index("S")) for i, row in enumerate(grid) if "S" in row)
    for step, move in enumerate(moves, start=1):
        if move not in MOVES:
            return 0.0, f"move {step}: {move!r} is not U, D, L or R"
        r, c = r + MOVES[move][0], c + MOVES[move][1]
        if not (0 <= r < h and 0 <= c < w) or grid[r][c] == "#":
            return 0.0, f"move {step} leaves the grid or hits a wall"
    if grid[r][c] != "T":
        return 0.0, "the path does not end at T"
    return 1.0, f"ok, {length} moves"
