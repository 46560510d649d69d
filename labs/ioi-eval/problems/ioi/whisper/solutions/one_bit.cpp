// One bit per letter, assuming only 'a' and 'b': exactly subtask 1. 20 points.
#include "whisper.h"

std::vector<int> encode(std::string S) {
  std::vector<int> bits;
  for (char ch : S) bits.push_back(ch == 'b');
  return bits;
}

std::string decode(int N, std::vector<int> bits) {
  std::string s;
  for (int b : bits) s += b ? 'b' : 'a';
  return s;
}
