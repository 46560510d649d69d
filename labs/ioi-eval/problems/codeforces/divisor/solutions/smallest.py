# Trial division up to sqrt(n).
t = int(input())
for _ in range(t):
    n = int(input())
    d = 2
    while d * d <= n and n % d:
        d += 1
    print(d if d * d <= n else -1)
