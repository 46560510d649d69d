// A sieve with a 32-bit total: the sum of primes up to 2*10^6 is about 1.4*10^11.
#include <cstdio>
#include <vector>

int main() {
  int n;
  scanf("%d", &n);
  std::vector<bool> composite(n + 1, false);
  int total = 0;
  for (long long i = 2; i <= n; i++) {
    if (composite[i]) continue;
    total += i;
    for (long long j = i * i; j <= n; j += i) composite[j] = true;
  }
  printf("%d\n", total);
}
