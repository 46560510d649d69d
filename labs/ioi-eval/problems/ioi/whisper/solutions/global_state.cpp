// "Cheats" through a global variable: encode and decode run in different processes, so decode sees an empty
// string. Wrong answer everywhere: 0 points.
#include "whisper.h"

static std::string remembered;

std::vector<int> encode(std::string S) {
  remembered = S;
  return {};
}

std::string decode(int N, std::vector<int> bits) { return remembered; }
