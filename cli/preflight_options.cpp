#include "cli/preflight_options.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <sstream>

#include "core/error.hpp"

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

void stopOnPreflightErrors(const std::vector<PreflightFinding>& findings) {
  for (const auto& f : findings) std::cerr << f.str() << "\n";
  if (preflightFailed(findings))
    throw Error("preflight found errors; nothing was changed (fix them, or --ignore-preflight-errors=NAME,... to go on)",
                ExitCode::Preflight);
}

}  // namespace kforge::cli
