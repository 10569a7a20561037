#include "bootstrap/reset.hpp"

#include <algorithm>
#include <ctime>
#include <thread>

#include "bootstrap/api_probe.hpp"
#include "bootstrap/etcd_access.hpp"
#include "bootstrap/etcd_data_dir_guard.hpp"
#include "bootstrap/static_pod.hpp"
#include "core/utc.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "etcdctl/backup.hpp"
#include "pki/kubeconfig.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/shell.hpp"

namespace kforge {

std::string resetCleanScript(const Cluster& c, const Host& h, const std::string& stamp) {
  using ssh::shellQuote;
  std::string b = "/var/lib/kforge/reset-" + stamp;
  std::string data = shellQuote(c.etcd.dataDir);
  return "set -e\n" + etcdDataDirGuard(h.name, c.etcd.dataDir) + "B=" + shellQuote(b) +
         "\nmkdir -p -m 0700 \"$B/etc-kubernetes\" \"$B/etcd-data\" \"$B/kubelet\" \"$B/units\"\n"
         "if [ -d /etc/kubernetes/manifests ]; then mkdir -p \"$B/etc-kubernetes/manifests\"; "
         "find /etc/kubernetes/manifests -mindepth 1 -maxdepth 1 -exec mv {} \"$B/etc-kubernetes/manifests/\" \\; ; fi\n"
         // The kubelet stops the static pods whose manifests went; wait for all of them before the kubelet itself
         // stops (a stopped kubelet leaves running pods behind), then go on either way.
         + waitStaticPodsGoneScript() +
         "systemctl stop kubelet 2>/dev/null || true; systemctl disable kubelet 2>/dev/null || true\n"
         "systemctl stop etcd 2>/dev/null || true; systemctl disable etcd 2>/dev/null || true\n"
         "find /etc/kubernetes -mindepth 1 -maxdepth 1 ! -name manifests -exec mv {} \"$B/etc-kubernetes/\" \\; 2>/dev/null || true\n"
         "rmdir /etc/kubernetes/manifests 2>/dev/null || true\n"
         "[ -d " + data + " ] && find " + data + " -mindepth 1 -maxdepth 1 -exec mv {} \"$B/etcd-data/\" \\; || true\n"
         "for f in /var/lib/kubelet/config.yaml /var/lib/kubelet/pki; do [ -e \"$f\" ] && mv \"$f\" \"$B/kubelet/\"; done\n"
         "for f in /etc/systemd/system/kubelet.service /etc/systemd/system/etcd.service; do [ -e \"$f\" ] && mv \"$f\" \"$B/units/\"; done\n"
         "systemctl daemon-reload 2>/dev/null || true\necho \"$B\"\n";
}

Plan planReset(const Cluster& c, Applier& applier, const Observation& obs, const ResetOptions& o) {
  std::vector<const Host*> targets;
  for (const Host* h : c.hosts())
    if (o.hosts.empty() || std::find(o.hosts.begin(), o.hosts.end(), h->name) != o.hosts.end()) targets.push_back(h);
  for (const auto& name : o.hosts)
    if (!c.findHost(name)) throw Error("reset: no host " + name + " in the inventory", ExitCode::InvalidInput);
  // Workers first, then control planes, etcd members last (the last one of those only with --force).
  std::stable_sort(targets.begin(), targets.end(), [&](const Host* a, const Host* b) {
    return c.isEtcdMember(*a) < c.isEtcdMember(*b);
  });
  std::string ts = utcNow("%Y%m%d-%H%M%S");

  Plan p;
  // Before anything changes (a member leaves etcd, a file moves): every host to be cleaned shows that its etcd
  // data dir is absent, empty or an etcd data dir. The clean script checks again.
  for (const Host* h : targets)
    if (!obs.unreachable.count(h->name))
      p.steps.push_back({"check", h->name, "check that " + c.etcd.dataDir + " holds only etcd data (or nothing)", false,
                         [&applier, &c, h] {
                           ssh::execChecked(applier.fleet().session(h->name), etcdDataDirGuard(h->name, c.etcd.dataDir));
                           return std::string("ok");
                         },
                         /*parallel=*/true});
  size_t members = obs.etcdUp ? obs.members.size() : 0;
  for (const Host* h : targets) {
    const etcd::Member* m = obs.etcdUp ? etcdMemberOf(obs.members, *h) : nullptr;
    if (m) {
      if (members <= 1 && !o.force)
        throw Error("reset: " + h->name + " is the last etcd member; resetting it destroys the cluster's data "
                    "(a backup is taken first). Pass --force to do it.",
                    ExitCode::InvalidInput);
      if (members > 1) {
        uint64_t id = m->id;
        size_t before = members;
        p.steps.push_back({"etcd", h->name, "remove etcd member " + h->name + " (" + etcd::memberIdHex(id) + ")", true,
                           [&applier, h, id, before] {
                             auto& client = applier.etcdClient();
                             // Quorum guard: the members left must still have a healthy majority.
                             size_t healthy = 0;
                             auto ms = client.memberList();
                             for (const auto& other : ms) {
                               if (other.id == id || other.clientURLs.empty()) continue;
                               try {
                                 if (client.health(other.clientURLs.front().substr(8)).empty()) ++healthy;
                               } catch (const Error&) {
                               }
                             }
                             size_t remaining = ms.size() - 1, quorum = remaining / 2 + 1;
                             if (healthy < quorum)
                               throw Error("refusing to remove " + h->name + ": " + std::to_string(healthy) +
                                           " healthy member(s) would remain of " + std::to_string(remaining) +
                                           ", below quorum " + std::to_string(quorum));
                             // Leadership moves away first so writes keep flowing.
                             for (const auto& other : ms)
                               if (other.id != id && !other.clientURLs.empty()) {
                                 try {
                                   auto st = client.status(other.clientURLs.front().substr(8));
                                   if (st.leader == id) client.moveLeader(other.id);
                                 } catch (const Error&) {
                                 }
                                 break;
                               }
                             client.memberRemove(id);
                             (void)before;
                             return std::string("removed");
                           }});
        --members;
      } else {
        --members;  // the last member: nothing to leave, its data is moved aside below
      }
    }
    if (!obs.unreachable.count(h->name))
      p.steps.push_back({"clean", h->name, "stop the kubelet and etcd, move kforge's files to /var/lib/kforge/reset-" + ts,
                         false, [&applier, &c, h, ts] {
                           return "moved to " + ssh::execChecked(applier.fleet().session(h->name), resetCleanScript(c, *h, ts)).outLine();
                         }});
    // After cleaning: a running kubelet would register the node again.
    if (h->role != Role::Etcd && obs.apiUp && obs.nodes.count(h->name)) {
      p.steps.push_back({"node", h->name, "delete node " + h->name + " from the API", false, [&applier, &c, h] {
                           auto kc = pki::parseKubeconfig(readFile(applier.options().stateDir + "/admin.conf"), "admin.conf");
                           auto r = apiRequest(kc, "DELETE", "https://" + c.endpointHostPort() + "/api/v1/nodes/" + h->name);
                           if (!r.ok() && r.status != 404)
                             throw Error("deleting node " + h->name + ": HTTP " + std::to_string(r.status) + " " + r.error);
                           return std::string("deleted");
                         }});
    }
  }
  return p;
}

}  // namespace kforge
