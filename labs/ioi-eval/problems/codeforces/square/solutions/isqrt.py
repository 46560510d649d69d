# Exact integer square root; answers in mixed case (accepted).
import math

for _ in range(int(input())):
    x = int(input())
    print("Yes" if math.isqrt(x) ** 2 == x else "no")
