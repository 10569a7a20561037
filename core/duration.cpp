#include "core/duration.hpp"

#include <cstdint>

namespace kforge {

std::optional<int> parseDurationSeconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr int64_t kMax = 10LL * 366 * 24 * 3600;
  int64_t total = 0;
  bool seen[3] = {false, false, false};  // h, m, s
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > kMax) return std::nullopt;
      ++i;
    }
    if (i >= s.size()) return std::nullopt;  // a number without unit
    int unit;
    int64_t mul;
    switch (s[i]) {
      case 'h': unit = 0; mul = 3600; break;
      case 'm': unit = 1; mul = 60; break;
      case 's': unit = 2; mul = 1; break;
      default: return std::nullopt;
    }
    ++i;
    if (unit == 1 && i < s.size() && s[i] == 's') return std::nullopt;  // "ms"
    if (seen[unit]) return std::nullopt;
    seen[unit] = true;
    total += n * mul;
    if (total > kMax) return std::nullopt;
  }
  return static_cast<int>(total);
}

std::string formatDuration(int seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  if (seconds >= 3600) out += std::to_string(seconds / 3600) + "h";
  if (seconds % 3600 >= 60) out += std::to_string(seconds % 3600 / 60) + "m";
  if (seconds % 60) out += std::to_string(seconds % 60) + "s";
  return out;
}

}  // namespace kforge
