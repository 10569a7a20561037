#include "bootstrap/etcd_leader.hpp"

#include <chrono>

#include "bootstrap/apply.hpp"
#include "bootstrap/etcd_access.hpp"
#include "core/error.hpp"

namespace kforge {

std::string handOverLeadership(Applier& a, const Host& h) {
  auto& client = a.etcdClient();
  auto members = client.memberList();
  auto st = client.status(etcdClientEndpoint(h));
  if (!st.isLeader()) return "";
  for (const Host* other : a.cluster().etcdHosts()) {
    if (other->name == h.name) continue;
    const etcd::Member* m = etcdMemberOf(members, *other);
    if (!m || m->isLearner || !m->started()) continue;
    try {
      auto os = client.status(etcdClientEndpoint(*other));
      if (!os.errors.empty() || os.leader == 0) continue;
    } catch (const Error&) {
      continue;
    }
    client.moveLeader(m->id);
    return "leadership moved to " + other->name + ", ";
  }
  return "";
}

uint64_t leaderRaftIndex(Applier& a) {
  uint64_t index = 0;
  for (const Host* o : a.cluster().etcdHosts()) {
    try {
      etcd::Client lp({etcdClientEndpoint(*o)}, etcdTls(a.cluster(), a.options().stateDir), std::chrono::seconds(2));
      auto ls = lp.status(etcdClientEndpoint(*o));
      if (ls.isLeader()) index = ls.raftIndex;
    } catch (const Error&) {
    }
  }
  return index;
}

}  // namespace kforge
