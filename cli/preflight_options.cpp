#include "cli/preflight_options.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>


namespace kforge::cli {

std::set<std::string> preflightIgnoreSet(const std::vector<std::string>& flags) {
  std::set<std::string> out;
  for (const auto& item : flags) {
    std::stringstream ss(item);
    std::string name;
    while (std::getline(ss, name, ',')) {
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (!name.empty()) out.insert(name);
    }
  }
  return out;
}

}  // namespace kforge::cli
