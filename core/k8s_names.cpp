#include "core/k8s_names.hpp"

#include "core/net.hpp"

namespace kforge {

namespace {
bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63 characters.
bool isNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}
}  // namespace

bool isQualifiedName(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return isNamePart(s);
  return isRfc1123Subdomain(s.substr(0, slash)) && isNamePart(s.substr(slash + 1));
}

bool isLabelValue(std::string_view s) { return s.empty() || isNamePart(s); }

bool isWildcardDnsName(std::string_view s) { return s.starts_with("*.") && isRfc1123Subdomain(s.substr(2)); }

}  // namespace kforge
