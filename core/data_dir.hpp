// Rules for a directory that kforge owns on the hosts and moves aside as a whole (spec.etcd.dataDir): reset
// and restore move its entire content away and restore chmods it 0700, so it must be a dedicated directory,
// never a system directory or one that another program owns. The hosts check the content before anything is
// moved (bootstrap/etcd_data_dir_guard.hpp); these are the static rules the inventory loader applies.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kforge {

inline constexpr size_t kMaxHostPathBytes = 4095;   // PATH_MAX - 1 on Linux
inline constexpr size_t kMaxPathComponentBytes = 255;  // NAME_MAX

// The absolute path with repeated '/' collapsed, "." components dropped and no trailing '/'
// ("/var//lib/./etcd/" -> "/var/lib/etcd"). nullopt with *why set ("is not absolute", "has a \"..\" component",
// "is N bytes long ...", "has a component of N bytes ...") when it cannot be made one.
std::optional<std::string> normalizeHostPath(std::string_view path, std::string* why);

// Why a normalised absolute path cannot be a dedicated data directory ("" when it can):
//   - fewer than two components (/, /var, /srv, /data ...): top-level directories are shared;
//   - inside (or equal to) a tree that belongs to the system or to another program: /bin /boot /dev /etc
//     (with /etc/kubernetes) /home /lib* /proc /root /run /sbin /sys /tmp /usr, /var/{tmp,run,lock,log,cache,
//     spool,mail,backups}, /var/lib/{kubelet,kforge,containerd,docker,cni,dpkg,apt,systemd}, /opt/cni;
//   - exactly a shared parent: /var/lib /var/opt /var/local /var/www /var/snap.
std::string systemDirectoryReason(const std::string& normalized);

}  // namespace kforge
