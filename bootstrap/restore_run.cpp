#include "bootstrap/restore_run.hpp"

#include "bootstrap/etcd_access.hpp"

namespace kforge {

RestoreRunResult runRestore(const Cluster& c, const RestoreRunOptions& o, Progress& progress, std::ostream& out, bool json) {
  ApplyOptions ao;
  ao.stateDir = o.stateDir;
  ao.backupDir = o.backupDir;
  ao.waitTimeout = o.waitTimeout;
  ao.etcdRestored = true;
  ao.ignorePreflight = o.ignorePreflight;
  // The etcd data dirs are expected to be in use: restore moves their content aside itself. So are the control
  // plane's ports: restore stops those components itself and waits until their processes are gone (a run killed
  // during that wait is resumed while the kubelet still gives them their grace period).
  ao.ignorePreflight.insert("diravailable--var-lib-etcd");
  for (const char* port : {"port-6443", "port-10257", "port-10259", "port-2379", "port-2380"}) ao.ignorePreflight.insert(port);
  Applier applier(c, ao, progress);
  Observation obs = applier.observe();

  Restorer restorer(c, applier, o.stateDir, progress);
  RestoreRunResult r;
  r.backup = restorer.prepare({o.snapshotId, o.backupDir, o.force}, obs);
  stopOnPreflightErrors(applier.preflight(obs));
  if (o.onPrepared) o.onPrepared(r.backup, restorer.record());

  Plan data = restorer.planDataRestore(obs);
  data.print(out, json);
  runPlan(data, progress);
  restorer.markDataRestored();

  // The rest is apply: every restored member starts at once, then the control plane, addons and nodes.
  Observation after = applier.observe();
  Plan rest = applier.plan(after);
  rest.print(out, json);
  runPlan(rest, progress, [&](const Step& s) { applier.backupBefore(s); });

  auto client = etcdClientFor(c, o.stateDir);
  r.members = client->memberList().size();
  auto keys = client->range(std::string(1, '\0'), std::string(1, '\0'), 0, /*countOnly=*/true);
  r.keys = keys.count;
  r.revision = keys.revision;
  r.record = restorer.record();
  r.preRestoreBackup = restorer.preRestoreBackup();
  restorer.finish();
  return r;
}

}  // namespace kforge
