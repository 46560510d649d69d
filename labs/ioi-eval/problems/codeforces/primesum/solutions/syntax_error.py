# Not Python at all: a compilation error (reward -0.1).
def main(:
    print(1)
