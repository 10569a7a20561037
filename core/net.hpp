// IP addresses and CIDR blocks as the inventory uses them (IPv4 and IPv6), and RFC 1123 names.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kforge {

struct IpAddr {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4 bytes

  static std::optional<IpAddr> parse(std::string_view s);
  std::string str() const;
  bool isLoopback() const;     // 127.0.0.0/8, ::1
  bool isUnspecified() const;  // 0.0.0.0, ::
  bool isMulticast() const;    // 224.0.0.0/4, ff00::/8
  bool isBroadcast() const;    // 255.255.255.255 (the limited broadcast address)
  bool isThisNetwork() const;  // 0.0.0.0/8: "this host on this network", never a destination
  bool isLinkLocalV6() const;  // fe80::/10: needs an interface zone to be used
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.12) as the IPv4 address it maps (10.0.0.12); others unchanged.
  IpAddr unmapped() const;
  bool operator==(const IpAddr&) const = default;
};

struct Cidr {
  IpAddr base;  // network address (host bits cleared)
  int prefix = 0;

  // Parses "10.96.0.0/12". Rejects host bits set ("10.96.0.1/12") via *hostBitsSet when non-null.
  static std::optional<Cidr> parse(std::string_view s, bool* hostBitsSet = nullptr);
  std::string str() const;
  bool contains(const IpAddr& ip) const;
  bool overlaps(const Cidr& o) const;
  // The n-th address of the block (n = 1: the first usable address, e.g. 10.96.0.1 for 10.96.0.0/12).
  IpAddr nth(uint64_t n) const;
};

// RFC 1123 DNS label: 1-63 chars of [a-z0-9-], starting and ending alphanumeric (lowercase only, as Kubernetes).
bool isRfc1123Label(std::string_view s);
// RFC 1123 subdomain: dot-separated labels, at most 253 chars total.
bool isRfc1123Subdomain(std::string_view s);

// Splits "host:port" / "[v6]:port" / "host". Port 0 when absent. Returns false when malformed.
bool splitHostPort(std::string_view s, std::string& host, int& port);
// The inverse: "10.0.0.1:6443", "[fd00::1]:6443" for an IPv6 address.
std::string joinHostPort(const std::string& host, int port);

}  // namespace kforge
