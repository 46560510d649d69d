#include <cmath>
#include <cstdio>

int main() {
  int q;
  scanf("%d", &q);
  while (q--) {
    unsigned long long x;
    scanf("%llu", &x);
    unsigned long long r = (unsigned long long)sqrtl((long double)x);
    while (r * r > x) r--;
    while ((r + 1) * (r + 1) <= x) r++;
    puts(r * r == x ? "YES" : "NO");
  }
}
