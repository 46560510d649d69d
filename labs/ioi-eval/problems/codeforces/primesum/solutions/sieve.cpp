#include <cstdio>
#include <vector>

int main() {
  int n;
  scanf("%d", &n);
  std::vector<bool> composite(n + 1, false);
  long long total = 0;
  for (long long i = 2; i <= n; i++) {
    if (composite[i]) continue;
    total += i;
    for (long long j = i * i; j <= n; j += i) composite[j] = true;
  }
  printf("%lld\n", total);
}
