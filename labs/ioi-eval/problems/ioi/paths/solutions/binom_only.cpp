// C(H+W-2, H-1) ignoring the blocked cells: exactly subtask 2. 30 points.
#include <cstdio>

const long long MOD = 1000000007;

long long power(long long b, long long e) {
  long long r = 1;
  for (b %= MOD; e; e >>= 1, b = b * b % MOD)
    if (e & 1) r = r * b % MOD;
  return r;
}

int main() {
  long long h, w;
  scanf("%lld %lld", &h, &w);
  long long num = 1, den = 1;
  for (long long i = 1; i < h; i++) {
    num = num * ((w - 1 + i) % MOD) % MOD;
    den = den * (i % MOD) % MOD;
  }
  printf("%lld\n", num * power(den, MOD - 2) % MOD);
}
