#include "core/net.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace kforge {

std::optional<IpAddr> IpAddr::parse(std::string_view s) {
  std::string str(s);
  IpAddr ip;
  if (inet_pton(AF_INET, str.c_str(), ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, str.c_str(), ip.bytes.data()) == 1) {
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddr::isLoopback() const {
  if (!v6) return bytes[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes[i] != 0) return false;
  return bytes[15] == 1;
}

bool IpAddr::isUnspecified() const { return *this == IpAddr{v6, {}}; }

bool IpAddr::isMulticast() const { return v6 ? bytes[0] == 0xFF : (bytes[0] & 0xF0) == 0xE0; }

bool IpAddr::isBroadcast() const {
  return !v6 && bytes[0] == 0xFF && bytes[1] == 0xFF && bytes[2] == 0xFF && bytes[3] == 0xFF;
}

bool IpAddr::isThisNetwork() const { return !v6 && bytes[0] == 0; }

bool IpAddr::isLinkLocalV6() const { return v6 && bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80; }

IpAddr IpAddr::unmapped() const {
  if (!v6) return *this;
  for (int i = 0; i < 10; ++i)
    if (bytes[i] != 0) return *this;
  if (bytes[10] != 0xFF || bytes[11] != 0xFF) return *this;
  IpAddr v4;
  for (int i = 0; i < 4; ++i) v4.bytes[i] = bytes[12 + i];
  return v4;
}

std::optional<Cidr> Cidr::parse(std::string_view s, bool* hostBitsSet) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddr::parse(s.substr(0, slash));
  if (!ip) return std::nullopt;
  auto ps = s.substr(slash + 1);
  int prefix = -1;
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), prefix);
  if (ec != std::errc() || p != ps.data() + ps.size() || ps.empty()) return std::nullopt;
  int maxp = ip->v6 ? 128 : 32;
  if (prefix < 0 || prefix > maxp) return std::nullopt;
  Cidr c;
  c.base = *ip;
  c.prefix = prefix;
  bool hostBits = false;
  int nbytes = ip->v6 ? 16 : 4;
  for (int i = 0; i < nbytes; ++i) {
    int bitsKept = std::max(0, std::min(8, prefix - i * 8));
    uint8_t mask = bitsKept == 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - bitsKept));
    if (c.base.bytes[i] & ~mask) hostBits = true;
    c.base.bytes[i] &= mask;
  }
  if (hostBitsSet) *hostBitsSet = hostBits;
  return c;
}

std::string Cidr::str() const { return base.str() + "/" + std::to_string(prefix); }

bool Cidr::contains(const IpAddr& ip) const {
  if (ip.v6 != base.v6) return false;
  for (int i = 0; i * 8 < prefix; ++i) {
    int bitsKept = std::min(8, prefix - i * 8);
    uint8_t mask = static_cast<uint8_t>(0xFF << (8 - bitsKept));
    if ((ip.bytes[i] & mask) != base.bytes[i]) return false;
  }
  return true;
}

bool Cidr::overlaps(const Cidr& o) const {
  if (base.v6 != o.base.v6) return false;
  return prefix <= o.prefix ? contains(o.base) : o.contains(base);
}

IpAddr Cidr::nth(uint64_t n) const {
  IpAddr ip = base;
  int last = base.v6 ? 15 : 3;
  for (int i = last; i >= 0 && n > 0; --i) {
    uint64_t sum = ip.bytes[i] + (n & 0xFF);
    ip.bytes[i] = static_cast<uint8_t>(sum);
    n = (n >> 8) + (sum >> 8);
  }
  return ip;
}

bool isRfc1123Label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-') return false;
  return true;
}

bool isRfc1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    if (!isRfc1123Label(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string joinHostPort(const std::string& host, int port) {
  auto ip = IpAddr::parse(host);
  return (ip && ip->v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool splitHostPort(std::string_view s, std::string& host, int& port) {
  port = 0;
  if (s.empty()) return false;
  std::string_view portPart;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(s.substr(1, close - 1));
    auto rest = s.substr(close + 1);
    if (rest.empty()) return !host.empty();
    if (rest.front() != ':') return false;
    portPart = rest.substr(1);
  } else {
    auto colon = s.rfind(':');
    if (colon != std::string_view::npos && s.find(':') != colon) {  // bare IPv6 without port
      host = std::string(s);
      return IpAddr::parse(s).has_value();
    }
    host = std::string(s.substr(0, colon));
    if (colon == std::string_view::npos) return !host.empty();
    portPart = s.substr(colon + 1);
  }
  if (host.empty() || portPart.empty()) return false;
  auto [p, ec] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), port);
  return ec == std::errc() && p == portPart.data() + portPart.size() && port >= 1 && port <= 65535;
}

}  // namespace kforge
