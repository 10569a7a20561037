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
  std::string pre;    // pre-release after '-', e.g. "rc.1"; empty for releases
  std::string build = {};  // build metadata after '+', e.g. "k3s1" in v1.31.2+k3s1; not a pre-release (semver §10)

  // Parses "v1.31.2", "1.31.2", "v1.32.0-rc.1", "v1.31.2+build.1", "v1.32.0-rc.1+abc". nullopt when malformed.
  static std::optional<Version> parse(std::string_view s);
  std::string str() const;  // always "vX.Y.Z[-pre][+build]"
  std::string minorStr() const;  // "v1.31"
  bool isRelease() const { return pre.empty(); }  // build metadata does not make a pre-release

  // Ordering ignores pre-release text except that a pre-release sorts before its release; build metadata is
  // ignored (semver precedence), so v1.31.2+k3s1 == v1.31.2.
  std::strong_ordering operator<=>(const Version& o) const;
  bool operator==(const Version& o) const { return (*this <=> o) == 0; }
};

}  // namespace kforge
