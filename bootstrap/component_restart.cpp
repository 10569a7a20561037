#include "bootstrap/component_restart.hpp"

#include <algorithm>
#include <sstream>

namespace kforge {

namespace {
// A file written within this many seconds after the process started still counts as older (the two times
// come from different clocks' resolutions: clock ticks of 10 ms, nanosecond file times).
constexpr double kSlackSeconds = 0.02;
}  // namespace

const std::vector<std::string>& restartOrder() {
  static const std::vector<std::string> order = {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                                 "kubelet"};
  return order;
}

std::string runtimeScript() {
  return R"SH(set +e
echo "clock $(date +%s.%N) $(cut -d' ' -f1 /proc/uptime) $(getconf CLK_TCK)"
for d in /proc/[0-9]*; do
  c=
  read -r c 2>/dev/null <"$d/comm" || continue
  case "$c" in etcd|kube-apiserver|kube-controller|kube-scheduler|kubelet) ;; *) continue ;; esac
  s=
  read -r s 2>/dev/null <"$d/stat" || continue
  s=${s##*) }
  set -- $s
  shift 19
  echo "proc $c ${d#/proc/} $1"
done
find /etc/kubernetes -type f -printf 'file %T@ %p\n' 2>/dev/null
exit 0
)SH";
}

std::string componentForComm(const std::string& comm) {
  if (comm == "kube-controller") return "kube-controller-manager";
  for (const auto& c : restartOrder())
    if (c == comm) return c;
  return "";
}

HostRuntime parseRuntime(const std::string& output) {
  HostRuntime r;
  std::istringstream in(output);
  std::string line;
  double now = 0, uptime = 0, ticks = 100;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string kind;
    l >> kind;
    try {
      if (kind == "clock") {
        std::string a, b, c;
        l >> a >> b >> c;
        now = std::stod(a);
        uptime = std::stod(b);
        ticks = std::stod(c);
        if (ticks <= 0) ticks = 100;
        r.observed = true;
      } else if (kind == "proc") {
        std::string comm, pid, start;
        l >> comm >> pid >> start;
        std::string component = componentForComm(comm);
        if (component.empty() || !r.observed) continue;
        double t = now - uptime + std::stod(start) / ticks;
        auto it = r.started.find(component);
        if (it == r.started.end() || t < it->second) r.started[component] = t;
        r.pids[component].push_back(std::stoi(pid));
      } else if (kind == "file") {
        std::string t;
        l >> t;
        std::string path;
        std::getline(l, path);
        if (!path.empty() && path[0] == ' ') path.erase(0, 1);
        if (!path.empty()) r.mtime[path] = std::stod(t);
      }
    } catch (const std::exception&) {
      // a line cut short (a process that went away while it was read): ignore it
    }
  }
  return r;
}

std::vector<std::string> filesNamedByManifest(const std::string& manifestYaml) {
  std::set<std::string> out;
  std::istringstream in(manifestYaml);
  std::string line;
  while (std::getline(in, line)) {
    // A list item of the command ("    - --flag=value", or quoted: "    - \"--flag=value\"").
    auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || line.compare(first, 2, "- ") != 0) continue;
    std::string item = line.substr(first + 2);
    if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front())
      item = item.substr(1, item.size() - 2);
    if (item.rfind("--", 0) != 0) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::istringstream parts(item.substr(eq + 1));
    std::string p;
    while (std::getline(parts, p, ','))
      if (p.rfind("/etc/kubernetes/", 0) == 0 && p.back() != '/') out.insert(p);
  }
  return {out.begin(), out.end()};
}

std::vector<PlannedRestart> planRestarts(const std::vector<RestartInput>& hosts) {
  std::vector<PlannedRestart> out;
  for (const auto& component : restartOrder()) {
    std::vector<PlannedRestart> normal, last;
    for (const auto& h : hosts) {
      if (!h.runtime.observed) continue;
      auto uses = h.uses.find(component);
      if (uses == h.uses.end()) continue;
      auto started = h.runtime.started.find(component);
      if (started == h.runtime.started.end()) continue;  // not running: whatever starts it reads the new files
      if (h.restartedAnyway.count(component)) continue;
      PlannedRestart p{h.host, component, {}};
      for (const auto& f : uses->second) {
        if (h.pendingWrites.count(f)) {
          p.because.push_back(f);
          continue;
        }
        auto m = h.runtime.mtime.find(f);
        if (m != h.runtime.mtime.end() && m->second > started->second + kSlackSeconds) p.because.push_back(f);
      }
      if (p.because.empty()) continue;
      (component == "etcd" && h.etcdLeader ? last : normal).push_back(p);
    }
    out.insert(out.end(), normal.begin(), normal.end());
    out.insert(out.end(), last.begin(), last.end());
  }
  return out;
}

}  // namespace kforge
