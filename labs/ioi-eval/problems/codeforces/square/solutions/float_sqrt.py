# Compares a double square root with its integer part: 10^18 - 1 rounds to 10^18 and "is" a square.
import math

for _ in range(int(input())):
    s = math.sqrt(int(input()))
    print("YES" if s == int(s) else "NO")
