#include "core/version.hpp"

#include <cctype>
#include <charconv>

namespace kforge {

namespace {
bool parseInt(std::string_view s, int& out) {
  if (s.empty() || s.size() > 6) return false;
  if (s.size() > 1 && s[0] == '0') return false;  // no leading zeros (semver)
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

namespace {
bool suffixChars(std::string_view s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return !s.empty();
}
}  // namespace

std::optional<Version> Version::parse(std::string_view s) {
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  Version v;
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    v.build = std::string(s.substr(plus + 1));
    if (!suffixChars(v.build)) return std::nullopt;
    s = s.substr(0, plus);
  }
  if (auto dash = s.find('-'); dash != std::string_view::npos) {
    v.pre = std::string(s.substr(dash + 1));
    if (!suffixChars(v.pre)) return std::nullopt;
    s = s.substr(0, dash);
  }
  auto d1 = s.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  auto d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  if (!parseInt(s.substr(0, d1), v.major) || !parseInt(s.substr(d1 + 1, d2 - d1 - 1), v.minor) ||
      !parseInt(s.substr(d2 + 1), v.patch))
    return std::nullopt;
  return v;
}

std::string Version::str() const {
  std::string s = "v" + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!pre.empty()) s += "-" + pre;
  if (!build.empty()) s += "+" + build;
  return s;
}

std::string Version::minorStr() const { return "v" + std::to_string(major) + "." + std::to_string(minor); }

std::strong_ordering Version::operator<=>(const Version& o) const {
  if (auto c = major <=> o.major; c != 0) return c;
  if (auto c = minor <=> o.minor; c != 0) return c;
  if (auto c = patch <=> o.patch; c != 0) return c;
  if (pre.empty() != o.pre.empty()) return pre.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  return pre <=> o.pre;
}

}  // namespace kforge
