#include "bootstrap/facts.hpp"

#include <sstream>

#include "ssh/shell.hpp"

namespace kforge {

std::string factsScript(const std::vector<std::string>& watchedPaths, const std::string& etcdDataDir) {
  using ssh::shellQuote;
  std::string paths;
  for (const auto& p : watchedPaths) paths += " " + shellQuote(p);
  std::string caDirs;
  for (const auto& d : optionalCaCertDirs()) caDirs += " " + shellQuote(d);
  // Every line is key=value; file hashes follow a "--files--" marker as "<sha256>  <path>".
  return R"SH(set +e
echo "hostname=$(uname -n)"
echo "kernel=$(uname -r)"
( . /etc/os-release 2>/dev/null; echo "os=$PRETTY_NAME" )
echo "cpus=$(nproc 2>/dev/null)"
echo "memKiB=$(awk '/^MemTotal:/{print $2}' /proc/meminfo)"
echo "swapKiB=$(awk 'NR>1{s+=$3} END{print s+0}' /proc/swaps 2>/dev/null)"
echo "ipForward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)"
echo "uid=$(id -u)"
echo "kubelet=$(command -v kubelet)"
echo "kubeletVersion=$(kubelet --version 2>/dev/null | awk '{print $2}')"
echo "kubeletActive=$(systemctl is-active kubelet 2>/dev/null)"
for s in /run/containerd/containerd.sock /var/run/crio/crio.sock /var/run/cri-dockerd.sock; do [ -S "$s" ] && { echo "cri=$s"; break; }; done
for b in ip iptables mount nsenter ebtables ethtool socat tc touch; do command -v "$b" >/dev/null 2>&1 && echo "bin=$b"; done
for d in)SH" + caDirs + R"SH(; do [ -d "$d" ] && echo "cadir=$d"; done
[ -n "$(ls -A )SH" + shellQuote(etcdDataDir) + R"SH( 2>/dev/null)" ] && echo "etcdData=nonempty"
awk 'FNR>1 && $4=="0A"{print "listen=" FILENAME " " $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null
echo "--files--"
find)SH" + paths + R"SH( -type f -exec sha256sum {} + 2>/dev/null
exit 0
)SH";
}

namespace {

// /proc/net/tcp: "0100007F:0950" (IPv4, little-endian word) or 32 hex digits (IPv6, four little-endian words).
Listener decodeListener(const std::string& file, const std::string& field) {
  Listener l;
  auto colon = field.find(':');
  if (colon == std::string::npos) return l;
  std::string hex = field.substr(0, colon);
  l.port = static_cast<int>(std::stoul(field.substr(colon + 1), nullptr, 16));
  bool v6 = file.find("tcp6") != std::string::npos;
  if (!v6 && hex.size() == 8) {
    unsigned long v = std::stoul(hex, nullptr, 16);
    l.address = std::to_string(v & 0xFF) + "." + std::to_string((v >> 8) & 0xFF) + "." +
                std::to_string((v >> 16) & 0xFF) + "." + std::to_string((v >> 24) & 0xFF);
  } else if (hex.size() == 32) {
    bool allZero = hex.find_first_not_of('0') == std::string::npos;
    l.address = allZero ? "::" : (hex == "00000000000000000000000001000000" ? "::1" : "v6:" + hex);
  }
  return l;
}

}  // namespace

NodeFacts parseFacts(const std::string& output) {
  NodeFacts f;
  std::istringstream in(output);
  std::string line;
  bool files = false;
  while (std::getline(in, line)) {
    if (files) {
      // "<64 hex>  <path>"
      if (line.size() > 66 && line[64] == ' ') f.files[line.substr(66)] = line.substr(0, 64);
      continue;
    }
    if (line == "--files--") {
      files = true;
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    auto toInt = [](const std::string& s) -> long long {
      try {
        return s.empty() ? 0 : std::stoll(s);
      } catch (...) {
        return 0;
      }
    };
    if (k == "hostname") f.hostname = v;
    else if (k == "kernel") f.kernel = v;
    else if (k == "os") f.os = v;
    else if (k == "cpus") f.cpus = static_cast<int>(toInt(v));
    else if (k == "memKiB") f.memoryMiB = toInt(v) / 1024;
    else if (k == "swapKiB") f.swapKiB = toInt(v);
    else if (k == "ipForward") f.ipForward = v.empty() ? -1 : static_cast<int>(toInt(v));
    else if (k == "uid") f.root = v == "0";
    else if (k == "kubelet") f.kubeletPath = v;
    else if (k == "kubeletVersion") f.kubeletVersion = v;
    else if (k == "kubeletActive") f.kubeletActive = v == "active";
    else if (k == "cri") f.criSocket = v;
    else if (k == "bin") f.binaries.insert(v);
    else if (k == "cadir") f.presentCaDirs.insert(v);
    else if (k == "etcdData") f.etcdDataDirEmpty = false;
    else if (k == "listen") {
      auto sp = v.find(' ');
      if (sp != std::string::npos) {
        Listener l = decodeListener(v.substr(0, sp), v.substr(sp + 1));
        if (l.port) f.listeners.push_back(l);
      }
    }
  }
  return f;
}

bool NodeFacts::listening(int port, const std::string& hostAddress) const {
  for (const auto& l : listeners)
    if (l.port == port && (l.address == "0.0.0.0" || l.address == "::" || l.address == hostAddress ||
                           l.address == "127.0.0.1"))
      return true;
  return false;
}

HostFacts NodeFacts::manifestFacts() const {
  HostFacts h;
  h.presentCaCertDirs = presentCaDirs;
  h.criSocket = criSocket;
  return h;
}

}  // namespace kforge
