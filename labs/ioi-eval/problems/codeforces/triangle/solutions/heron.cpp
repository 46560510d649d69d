#include <cmath>
#include <cstdio>

int main() {
  int t;
  scanf("%d", &t);
  while (t--) {
    long double a, b, c;
    scanf("%Lf %Lf %Lf", &a, &b, &c);
    long double s = (a + b + c) / 2;
    printf("%.10Lf\n", sqrtl(s * (s - a) * (s - b) * (s - c)));
  }
}
