// Prints n / (smallest divisor): the largest proper divisor -- a different answer, equally right.
#include <cstdio>

int main() {
  int t;
  scanf("%d", &t);
  while (t--) {
    long long n, d = 2;
    scanf("%lld", &n);
    while (d * d <= n && n % d) d++;
    printf("%lld\n", d * d <= n ? n / d : -1);
  }
}
