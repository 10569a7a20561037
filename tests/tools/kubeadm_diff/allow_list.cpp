#include "tests/tools/kubeadm_diff/allow_list.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kforge::kubeadmdiff {

bool globMatch(const std::string& p, const std::string& t) {
  size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace {
std::string flat(std::string v) {
  for (auto& ch : v) {
    if (ch == '\n') ch = '|';
    else if (ch == ' ') ch = '_';
  }
  return v;
}
}  // namespace

std::vector<AllowEntry> loadAllowList(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<AllowEntry> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto sep = line.find(" -- ");
    if (sep == std::string::npos) throw std::runtime_error(path + ":" + std::to_string(n) + ": no \" -- reason\"");
    AllowEntry e;
    e.line = n;
    e.reason = line.substr(sep + 4);
    std::istringstream words(line.substr(0, sep));
    if (!(words >> e.id >> e.file >> e.field))
      throw std::runtime_error(path + ":" + std::to_string(n) + ": expected <id> <file> <field>");
    std::string w;
    while (words >> w) {
      auto eq = w.find('=');
      if (eq == std::string::npos) throw std::runtime_error(path + ":" + std::to_string(n) + ": \"" + w + "\" is not key=pattern");
      std::string k = w.substr(0, eq), v = w.substr(eq + 1);
      if (k == "kforge") e.kforge = v;
      else if (k == "kubeadm") e.kubeadm = v;
      else e.tags[k] = v;
    }
    out.push_back(e);
  }
  return out;
}

const AllowEntry* findAllowed(const std::vector<AllowEntry>& list, const Difference& d) {
  for (const auto& e : list) {
    if (!globMatch(e.file, d.file) || !globMatch(e.field, d.field)) continue;
    if (!globMatch(e.kforge, flat(d.kforge)) || !globMatch(e.kubeadm, flat(d.kubeadm))) continue;
    bool ok = true;
    for (const auto& [k, v] : e.tags) {
      auto it = d.tags.find(k);
      if (it == d.tags.end() || !globMatch(v, it->second)) ok = false;
    }
    if (ok) return &e;
  }
  return nullptr;
}

}  // namespace kforge::kubeadmdiff
