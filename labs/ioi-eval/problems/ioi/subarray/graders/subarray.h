#pragma once
#include <vector>

long long best_subarray(std::vector<int> A);
