// Uses an undeclared variable: compilation error (reward -0.1).
#include <cstdio>

int main() {
  int h, w;
  scanf("%d %d", &h, &w);
  printf("%d\n", distance);
}
