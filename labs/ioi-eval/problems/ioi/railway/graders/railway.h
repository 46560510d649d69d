#pragma once
#include <vector>

void init(std::vector<int> H);
int tallest(int L, int R);
