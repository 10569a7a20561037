// Kubernetes-style semantic versions: "v1.31.2" (the leading 'v' is optional on input, always printed).
#pragma once
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace kforge {

struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string pre;  // pre-release / build suffix after '-' or '+', e.g. "rc.1"; empty for releases

  // Parses "v1.31.2", "1.31.2", "v1.32.0-rc.1". Returns nullopt when malformed.
  static std::optional<Version> parse(std::string_view s);
  std::string str() const;  // always "vX.Y.Z[-pre]"
  std::string minorStr() const;  // "v1.31"
  bool isRelease() const { return pre.empty(); }

  // Ordering ignores pre-release text except that a pre-release sorts before its release.
  std::strong_ordering operator<=>(const Version& o) const;
  bool operator==(const Version& o) const = default;
};

}  // namespace kforge
