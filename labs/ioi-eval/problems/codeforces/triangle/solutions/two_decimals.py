# Right formula, printed with 2 decimals: only exact-to-the-cent areas pass.
import math

t = int(input())
for _ in range(t):
    a, b, c = map(int, input().split())
    s = (a + b + c) / 2
    print(f"{math.sqrt(s * (s - a) * (s - b) * (s - c)):.2f}")
