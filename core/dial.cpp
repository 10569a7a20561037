#include "core/dial.hpp"

#include <map>
#include <mutex>

namespace kforge {

namespace {
std::mutex gMu;
std::map<std::string, std::string>& table() {
  static auto& t = *new std::map<std::string, std::string>;  // never destroyed: used until exit
  return t;
}
}  // namespace

void setDialOverride(const std::string& hostPort, const std::string& dialAddress) {
  std::lock_guard lock(gMu);
  table()[hostPort] = dialAddress;
}

std::optional<std::string> dialOverride(const std::string& hostPort) {
  std::lock_guard lock(gMu);
  auto it = table().find(hostPort);
  if (it == table().end()) return std::nullopt;
  return it->second;
}

std::string curlConnectTo(const std::string& url) {
  // scheme://host:port/... (kforge always builds URLs with an explicit port)
  auto s = url.find("://");
  if (s == std::string::npos) return "";
  auto start = s + 3;
  auto end = url.find('/', start);
  std::string hostPort = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  auto d = dialOverride(hostPort);
  return d ? hostPort + ":" + *d : "";
}

}  // namespace kforge
