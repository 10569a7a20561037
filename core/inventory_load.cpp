// Placeholder until the YAML loader lands (issue 2).
#include "core/inventory.hpp"

namespace kforge {
Cluster parseInventory(const std::string&, const std::string& fileName) {
  throw Error(SourceLoc{fileName, 0, 0}, "inventory loading is not implemented yet");
}
Cluster loadInventory(const std::string& path) { return parseInventory("", path); }
}  // namespace kforge
