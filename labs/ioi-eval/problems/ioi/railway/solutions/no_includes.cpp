// A correct sparse table as models often write it: no #include of the task header, unqualified std names and
// no `using namespace std;`. Does not compile as written; the patcher adds the header and the using-directive:
// 100 points (CE with patching off).
static vector<vector<int>> table;

void init(vector<int> H) {
  int n = H.size();
  table.assign(1, H);
  for (int k = 1; (1 << k) <= n; k++) {
    vector<int> row(n - (1 << k) + 1);
    for (int i = 0; i < (int)row.size(); i++) row[i] = max(table[k - 1][i], table[k - 1][i + (1 << (k - 1))]);
    table.push_back(row);
  }
}

int tallest(int L, int R) {
  int k = 31 - __builtin_clz(R - L + 1);
  return max(table[k][L], table[k][R - (1 << k) + 1]);
}
