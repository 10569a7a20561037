#include "core/value_syntax.hpp"

namespace kforge {

namespace {
bool digit(char c) { return c >= '0' && c <= '9'; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }
bool alnum(char c) { return digit(c) || lower(c) || (c >= 'A' && c <= 'Z'); }
bool lowerAlnum(char c) { return digit(c) || lower(c); }

// [a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?
bool isRegistryHost(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '.' && c != '-') return false;
  return true;
}

// [a-z0-9]+([._-]+[a-z0-9]+)*  — i.e. [a-z0-9._-]+ starting and ending with [a-z0-9].
bool isPathComponent(std::string_view s) {
  if (s.empty() || !lowerAlnum(s.front()) || !lowerAlnum(s.back())) return false;
  for (char c : s)
    if (!lowerAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}
}  // namespace

bool isPortableAbsolutePath(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  for (char c : s)
    if (!alnum(c) && c != '.' && c != '_' && c != '/' && c != '-') return false;
  return true;
}

bool isPosixUserName(std::string_view s) {
  if (s.empty() || s.size() > 32 || !(lower(s.front()) || s.front() == '_')) return false;
  for (char c : s)
    if (!lowerAlnum(c) && c != '_' && c != '-') return false;
  return true;
}

bool isImageRepository(std::string_view s) {
  // Neither the host nor the path may hold ':', and the port is digits only: the first ':' (if any) and
  // the first '/' (if any) split the three parts.
  auto slash = s.find('/');
  std::string_view head = s.substr(0, slash);
  auto colon = head.find(':');
  if (!isRegistryHost(head.substr(0, colon))) return false;
  if (colon != std::string_view::npos) {
    std::string_view port = head.substr(colon + 1);
    if (port.empty()) return false;
    for (char c : port)
      if (!digit(c)) return false;
  }
  while (slash != std::string_view::npos) {
    std::string_view rest = s.substr(slash + 1);
    auto next = rest.find('/');
    if (!isPathComponent(rest.substr(0, next))) return false;
    slash = next == std::string_view::npos ? next : slash + 1 + next;
  }
  return true;
}

bool isImageTag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !(alnum(s.front()) || s.front() == '_')) return false;
  for (char c : s)
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool isFlagName(std::string_view s) {
  if (s.empty() || !lowerAlnum(s.front())) return false;
  for (char c : s)
    if (!lowerAlnum(c) && c != '-') return false;
  return true;
}

}  // namespace kforge
