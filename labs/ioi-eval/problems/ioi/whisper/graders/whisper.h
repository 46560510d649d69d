#pragma once
#include <string>
#include <vector>

std::vector<int> encode(std::string S);
std::string decode(int N, std::vector<int> bits);
