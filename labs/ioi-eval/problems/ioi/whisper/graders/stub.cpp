// Stub for "Whisper". Phase 1 input: "1\nS" -> prints "L\nb1 ... bL". Phase 2 input: "2\nN L\nb1 ... bL" -> prints
// decode's string. The manager runs the two phases as separate processes and carries the bits between them.
#include "whisper.h"

#include <cstdio>
#include <iostream>

int main() {
  int phase;
  if (!(std::cin >> phase)) return 1;
  if (phase == 1) {
    std::string s;
    std::cin >> s;
    std::vector<int> message = encode(s);
    printf("%d\n", (int)message.size());
    for (size_t i = 0; i < message.size(); i++) printf("%d%c", message[i], i + 1 == message.size() ? '\n' : ' ');
    if (message.empty()) printf("\n");
  } else {
    int n, length;
    std::cin >> n >> length;
    std::vector<int> bits(length);
    for (int& b : bits) std::cin >> b;
    std::string s = decode(n, bits);
    printf("%s\n", s.c_str());
  }
  return 0;
}
