// Pairs every point with point 1: not a pairing. Wrong answer on every test: 0 points.
#include <cstdio>

int main() {
  int n;
  scanf("%d", &n);
  for (int i = 0; i < n; i++) printf("1 %d\n", i + 2);
}
