// Observe: what one host is and has, gathered in ONE remote command (no round trip per fact).
// Used by preflight (kubeadm's checks) and by the planner (which files already match, by sha256).
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bootstrap/manifests.hpp"

namespace kforge {

struct Listener {
  std::string address;  // "0.0.0.0", "127.0.0.1", "::", ...
  int port = 0;
};

struct NodeFacts {
  std::string hostname;
  std::string os;
  std::string kernel;
  int cpus = 0;
  long long memoryMiB = 0;
  long long swapKiB = 0;
  int ipForward = -1;                     // -1 = unknown
  bool root = false;
  std::string kubeletPath;                // "" = not installed
  std::string kubeletVersion;             // "v1.31.2" or ""
  bool kubeletActive = false;
  std::string criSocket;                  // the runtime socket found, "" = none
  std::set<std::string> binaries;         // of ip, iptables, mount, nsenter, ebtables, ethtool, socat, tc, touch
  std::vector<Listener> listeners;        // TCP sockets in LISTEN
  std::set<std::string> presentCaDirs;    // optional CA dirs kubeadm mounts when present
  std::map<std::string, std::string> files;  // absolute path -> sha256 of every file under the watched paths
  bool etcdDataDirEmpty = true;

  bool listening(int port, const std::string& hostAddress) const;
  // What the manifest renderer needs to know about the host (bootstrap/manifests.hpp).
  HostFacts manifestFacts() const;
};

// The remote shell script that prints the facts (POSIX sh, no tools beyond coreutils/awk/find).
std::string factsScript(const std::vector<std::string>& watchedPaths, const std::string& etcdDataDir);
// Parses that script's output.
NodeFacts parseFacts(const std::string& output);

}  // namespace kforge
