#include "core/data_dir.hpp"

namespace kforge {

std::optional<std::string> normalizeHostPath(std::string_view path, std::string* why) {
  auto fail = [&](std::string w) -> std::optional<std::string> {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  if (path.empty() || path.front() != '/') return fail("is not an absolute path");
  if (path.size() > kMaxHostPathBytes)
    return fail("is " + std::to_string(path.size()) + " bytes long; a path may be at most " +
                std::to_string(kMaxHostPathBytes) + " bytes (PATH_MAX)");
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view c = path.substr(i, end - i);
    i = end + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") return fail("has a \"..\" component");
    if (c.size() > kMaxPathComponentBytes)
      return fail("has a component of " + std::to_string(c.size()) + " bytes; each may be at most " +
                  std::to_string(kMaxPathComponentBytes) + " bytes (NAME_MAX)");
    out += '/';
    out += c;
  }
  return out.empty() ? "/" : out;
}

std::string systemDirectoryReason(const std::string& p) {
  static const std::string_view trees[] = {
      "/etc/kubernetes", "/bin",           "/boot",        "/dev",           "/etc",           "/home",          "/lib",
      "/lib32",         "/lib64",       "/libx32",        "/proc",          "/root",          "/run",
      "/sbin",          "/sys",         "/tmp",           "/usr",           "/var/tmp",       "/var/run",
      "/var/lock",      "/var/log",     "/var/cache",     "/var/spool",     "/var/mail",      "/var/backups",
      "/var/lib/kubelet", "/var/lib/kforge", "/var/lib/containerd", "/var/lib/docker", "/var/lib/cni",
      "/var/lib/dpkg",  "/var/lib/apt", "/var/lib/systemd", "/opt/cni"};
  static const std::string_view shared[] = {"/var/lib", "/var/opt", "/var/local", "/var/www", "/var/snap"};
  size_t components = 0;
  for (char c : p) components += c == '/';
  if (p == "/" || components < 2)
    return "is a top-level directory; use a dedicated directory at least two levels deep (e.g. /var/lib/etcd)";
  for (auto t : trees)
    if (p == t || (p.starts_with(t) && p[t.size()] == '/'))
      return p == t ? "is " + std::string(t) + ", a system directory"
                    : "is inside " + std::string(t) + ", which belongs to the system or to another program";
  for (auto s : shared)
    if (p == s) return "is " + std::string(s) + ", a directory shared by many programs";
  return "";
}

}  // namespace kforge
