// 8 bits per letter (the character code): always decoded, never short enough. 40% of every test: 40 points.
#include "whisper.h"

std::vector<int> encode(std::string S) {
  std::vector<int> bits;
  for (unsigned char ch : S)
    for (int b = 7; b >= 0; b--) bits.push_back(ch >> b & 1);
  return bits;
}

std::string decode(int N, std::vector<int> bits) {
  std::string s;
  for (int i = 0; i < N; i++) {
    int v = 0;
    for (int b = 0; b < 8; b++) v = v * 2 + bits[8 * i + b];
    s += char(v);
  }
  return s;
}
