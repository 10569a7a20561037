// Shared by the golden-file tests (manifests, addons): KFORGE_UPDATE_GOLDEN=1 rewrites the goldens instead of
// comparing; files are read and written byte for byte.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kforge::golden {

inline bool updating() {
  const char* v = std::getenv("KFORGE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spill(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

}  // namespace kforge::golden
