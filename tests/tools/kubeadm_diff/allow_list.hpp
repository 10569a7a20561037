// The known differences between kforge and kubeadm (tests/tools/fixtures/kubeadm-compat-known.txt), each explained
// in docs/kubeadm-compat.md under its id. One entry a line:
//   <id> <file> <field> [<tag>=<pattern> ...] [kforge=<pattern>] [kubeadm=<pattern>] -- <reason>
// Patterns: '*' matches any text (including '/', '[', '.'), everything else is literal; values are matched after
// newlines became '|' and spaces '_' (so a pattern never needs a space). Tags: release, version, topology, runAs,
// alg, role, member, family, skew, proxy, cas, case.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace kforge::kubeadmdiff {

struct Difference {
  std::string caseName;
  unsigned long long seed = 0;  // 0 for the example inventories
  std::string host, file, field, kforge, kubeadm;
  std::map<std::string, std::string> tags;
};

struct AllowEntry {
  std::string id, file, field, kforge = "*", kubeadm = "*", reason;
  std::map<std::string, std::string> tags;
  int line = 0;
};

bool globMatch(const std::string& pattern, const std::string& text);
// Parses the file; throws std::runtime_error naming the line on a malformed entry.
std::vector<AllowEntry> loadAllowList(const std::string& path);
// The first entry that explains d, or nullptr.
const AllowEntry* findAllowed(const std::vector<AllowEntry>& list, const Difference& d);

}  // namespace kforge::kubeadmdiff
