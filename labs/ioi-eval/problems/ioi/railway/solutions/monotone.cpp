// Answers H[R], the tallest tower only when heights never decrease: exactly subtask 2. 30 points.
#include "railway.h"

static std::vector<int> h;

void init(std::vector<int> H) { h = H; }

int tallest(int L, int R) { return h[R]; }
