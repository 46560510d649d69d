// 5 bits per letter (26 < 32): 100 points.
#include "whisper.h"

std::vector<int> encode(std::string S) {
  std::vector<int> bits;
  for (char ch : S)
    for (int b = 4; b >= 0; b--) bits.push_back((ch - 'a') >> b & 1);
  return bits;
}

std::string decode(int N, std::vector<int> bits) {
  std::string s;
  for (int i = 0; i < N; i++) {
    int v = 0;
    for (int b = 0; b < 5; b++) v = v * 2 + bits[5 * i + b];
    s += char('a' + v);
  }
  return s;
}
