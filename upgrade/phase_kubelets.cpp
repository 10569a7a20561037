// Phase "kubelet" of an in-place upgrade, after the whole control plane runs the target: every node's kubelet,
// control-plane nodes one at a time, then workers in batches of spec.upgrade.maxUnavailableWorkers. Per node:
// cordon (marked as kforge's), drain through the Eviction API (budgets honoured, bounded by drainTimeout; on
// timeout the node is uncordoned and the run stops naming the pod and budget), install the target kubelet with
// the inventory's package command (KUBELET_VERSION in its environment), write the node's files at the target
// (kubelet config, flags), restart the kubelet, wait until the Node is Ready reporting the target version,
// uncordon.
#include "core/error.hpp"
#include "core/fs.hpp"
#include "kube/client.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/shell.hpp"
#include "bootstrap/wait.hpp"
#include "upgrade/drain.hpp"
#include "upgrade/phases.hpp"

namespace kforge::upgrade {

namespace {

struct NodeJob {
  const Host* host;
  FileSet files;
  NodeFacts facts;
  bool newKubelet;
};

std::string upgradeNode(Applier& a, const Cluster& c, const NodeJob& j, const std::string& runId) {
  const Host& h = *j.host;
  const std::string target = c.kubernetesVersion.str();
  auto client = kube::KubeClient::fromKubeconfig(a.options().stateDir + "/admin.conf");
  cordonNode(client, h.name, runId);
  std::string drained;
  try {
    drained = drainNode(client, h.name, std::chrono::seconds(c.upgrade.drainTimeoutSeconds));
  } catch (const Error&) {
    uncordonIfOurs(client, h.name);
    throw;
  }
  auto& s = a.fleet().session(h.name);
  if (j.newKubelet) {
    ssh::ShellCommand install("env");
    install.arg("KUBELET_VERSION=" + target).arg("sh").arg("-c").arg(c.upgrade.kubeletPackageCommand);
    ssh::execChecked(s, install);
    std::string have = ssh::execChecked(s, "kubelet --version").out;
    if (have.find(target) == std::string::npos)
      throw Error(h.name + ": spec.upgrade.kubelet.packageCommand ran, but `kubelet --version` says '" +
                  have.substr(0, have.find('\n')) + "', not " + target + " (node left cordoned)");
  }
  std::string files = a.uploadWithBackup(h, j.files, j.facts);
  ssh::execChecked(s, "systemctl daemon-reload && systemctl restart kubelet");
  waitUntil(std::chrono::seconds(c.upgrade.drainTimeoutSeconds) + a.options().waitTimeout,
            "node " + h.name + " Ready at " + target, [&]() -> std::string {
              NodeState n = readNode(client.getNode(h.name));
              if (n.kubeletVersion != target) return "kubelet reports " + n.kubeletVersion;
              if (!n.ready) return "not Ready";
              return "";
            });
  bool lifted = uncordonIfOurs(client, h.name);
  return drained + ", kubelet " + target + ", " + files + (lifted ? ", uncordoned" : "");
}

class KubeletUpgradePhase : public Phase {
 public:
  explicit KubeletUpgradePhase(const UpgradeContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "kubelet"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.target;
    const std::string target = c.kubernetesVersion.str();
    std::vector<NodeJob> cps, workers;
    for (const Host* h : c.hosts()) {
      if (h->role == Role::Etcd) continue;
      const NodeFacts& f = ctx_.state.base.facts.at(h->name);
      auto n = ctx_.state.nodes.find(h->name);
      bool newKubelet = f.kubeletVersion != target;
      bool kubeletBehind = n == ctx_.state.nodes.end() || n->second.kubeletVersion != target;
      bool cordoned = n != ctx_.state.nodes.end() && n->second.cordonedByKforge;
      FileSet files = ctx_.expected.at(h->name).node;
      if (!newKubelet && !kubeletBehind && !cordoned && filesDiffering(files, f) == 0) continue;
      if (newKubelet && c.upgrade.kubeletPackageCommand.empty())
        throw Error(h->name + " runs kubelet " + f.kubeletVersion + ", and the inventory does not say how to install " +
                        target + ": set spec.upgrade.kubelet.packageCommand (docs/inventory.md)",
                    ExitCode::InvalidInput);
      (h->role == Role::ControlPlane ? cps : workers).push_back({h, files, f, newKubelet});
    }
    int batchSize = c.upgrade.workerBatch(static_cast<int>(c.workerHosts().size()));
    int batch = 0;
    auto add = [&](const NodeJob& j, bool parallel, int b) {
      Applier* a = &ctx_.applier;
      const Cluster* cp = &c;
      std::string runId = ctx_.runId;
      out.steps.push_back({title(), j.host->name,
                           "cordon, drain, " + std::string(j.newKubelet ? "install kubelet " + target + ", " : "") +
                               "write kubelet files, restart, wait Ready at " + target + ", uncordon",
                           false, [a, cp, j, runId] { return upgradeNode(*a, *cp, j, runId); }, parallel, b});
    };
    for (const auto& j : cps) add(j, false, ++batch);
    for (size_t i = 0; i < workers.size(); ++i) {
      if (i % batchSize == 0) ++batch;
      add(workers[i], batchSize > 1, batch);
    }
  }

 private:
  const UpgradeContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> kubeletUpgradePhase(const UpgradeContext& ctx) { return std::make_unique<KubeletUpgradePhase>(ctx); }

}  // namespace kforge::upgrade
