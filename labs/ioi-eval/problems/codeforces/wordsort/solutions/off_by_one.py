# Reads one word too many: IndexError, a runtime error.
n = int(input())
words = input().split()
print("\n".join(sorted(words[i] for i in range(n + 1))))
