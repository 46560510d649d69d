input()
print("\n".join(sorted(input().split())))
