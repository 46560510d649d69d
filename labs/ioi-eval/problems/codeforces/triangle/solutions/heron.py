import math

t = int(input())
for _ in range(t):
    a, b, c = map(int, input().split())
    s = (a + b + c) / 2
    print(f"{math.sqrt(s * (s - a) * (s - b) * (s - c)):.10f}")
