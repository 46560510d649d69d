# Sorts by length, then alphabetically: not lexicographic order.
input()
print("\n".join(sorted(input().split(), key=lambda w: (len(w), w))))
