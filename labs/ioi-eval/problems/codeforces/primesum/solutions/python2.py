# Python 2, as models trained on old contest code still write it: print statement, raw_input, xrange.
# A syntax error for Python 3; the patcher rewrites the three idioms and the program is accepted.
n = int(raw_input())
sieve = [True] * (n + 1)
total = 0
for i in xrange(2, n + 1):
    if sieve[i]:
        total += i
        sieve[i * i :: i] = [False] * len(xrange(i * i, n + 1, i))
print total
