# Trial division all the way to n: hopeless for a prime near 10^10.
t = int(input())
for _ in range(t):
    n = int(input())
    d = 2
    while d < n and n % d:
        d += 1
    print(d if d < n else -1)
