// Phase "kubelet" of an in-place upgrade, after the whole control plane runs the target: every node's kubelet,
// control-plane nodes one at a time, then workers in batches of spec.upgrade.maxUnavailableWorkers. Per node:
// cordon (marked as kforge's), drain through the Eviction API (budgets honoured, bounded by drainTimeout; on
// timeout the node is uncordoned and the run stops naming the pod and budget), install the target kubelet with
// the inventory's package command (KUBELET_VERSION in its environment) or the binary from the inventory's
// binaryDir (uploaded, sha256-checked on the node, renamed over binaryPath, the old one kept aside), write the
// node's files at the target
// (kubelet config, flags), restart the kubelet, wait until the Node is Ready reporting the target version,
// uncordon.
#include <fstream>

#include "bootstrap/kubelet_unit.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "core/state_dir.hpp"
#include "ssh/upload_file.hpp"
#include "kube/client.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/shell.hpp"
#include "bootstrap/wait.hpp"
#include "upgrade/drain.hpp"
#include "upgrade/phases.hpp"

namespace kforge::upgrade {

namespace {

// The target's kubelet binary in spec.upgrade.kubelet.binaryDir, checked before anything changes.
struct KubeletBinary {
  std::string path;    // local file
  std::string sha256;  // of the local file (and of its .sha256 file when there is one)
};

struct NodeJob {
  const Host* host;
  FileSet files;
  NodeFacts facts;
  bool newKubelet;
  KubeletBinary binary;  // path empty: the package command installs it
};

// binaryDir/kubelet-<v> or binaryDir/<v>/kubelet; when <file>.sha256 exists beside it (as dl.k8s.io publishes
// one per binary), its first word must be the file's sha256.
KubeletBinary findKubeletBinary(const Cluster& c, const std::string& version) {
  std::string dir = kubeletBinaryDir(c);
  std::vector<std::string> candidates = {dir + "/kubelet-" + version, dir + "/" + version + "/kubelet"};
  for (const auto& f : candidates) {
    if (!fileExists(f)) continue;
    KubeletBinary b{f, sha256FileHex(f)};
    std::ifstream sum(f + ".sha256");
    std::string want;
    if (sum && (sum >> want) && want != b.sha256)
      throw Error(f + " has sha256 " + b.sha256 + ", but " + f + ".sha256 says " + want + ": refusing to install it",
                  ExitCode::InvalidInput);
    return b;
  }
  throw Error("spec.upgrade.kubelet.binaryDir has no kubelet " + version + ": neither " + candidates[0] + " nor " +
                  candidates[1] + " exists",
              ExitCode::InvalidInput);
}

// Uploads the binary beside binaryPath, checks its sha256 on the host, keeps the old binaryPath (if any) under
// /etc/kubernetes/tmp/kforge-backup-<stamp>/, then renames the new one over it. Returns a summary.
std::string installKubeletBinary(Applier& a, const Cluster& c, const Host& h, const KubeletBinary& b) {
  auto& s = a.fleet().session(h.name);
  const std::string& path = c.upgrade.kubeletBinaryPath;
  const std::string staged = path + ".kforge-new";
  auto up = ssh::uploadFile(s, b.path, staged, 0755, b.sha256);
  const std::string keep = "/etc/kubernetes/tmp/kforge-backup-" + a.runStamp() + dirName(path);
  // A script of kforge's own; every value reaches it as a quoted positional argument.
  static const char* kScript =
      "set -e; have=$(sha256sum -- \"$1\" | cut -d' ' -f1); "
      "if [ \"$have\" != \"$2\" ]; then rm -f -- \"$1\"; echo \"sha256 of $1 is $have, not $2\" >&2; exit 1; fi; "
      "kept=; if [ -e \"$3\" ]; then mkdir -p -m 0700 -- \"$4\"; cp -p -- \"$3\" \"$4/\"; kept=\" (old one kept in $4)\"; fi; "
      "mv -f -- \"$1\" \"$3\"; echo \"$3 replaced$kept\"";
  ssh::ShellCommand cmd("sh");
  cmd.arg("-c").arg(kScript).arg("kforge-kubelet-install").arg(staged).arg(b.sha256).arg(path).arg(keep);
  std::string out = ssh::execChecked(s, cmd).out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return std::string(up.skipped ? "binary already uploaded" : "binary uploaded (" + std::to_string(up.bytes) + " bytes)") +
         ", sha256 " + b.sha256.substr(0, 12) + " checked on the host, " + out;
}

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
  std::string installed;
  if (j.newKubelet && !j.binary.path.empty()) {
    installed = installKubeletBinary(a, c, h, j.binary) + ", ";
    std::string have = ssh::execChecked(s, ssh::ShellCommand(c.upgrade.kubeletBinaryPath).arg("--version")).out;
    if (have.find(target) == std::string::npos)
      throw Error(h.name + ": " + c.upgrade.kubeletBinaryPath + " from spec.upgrade.kubelet.binaryDir says '" +
                  have.substr(0, have.find('\n')) + "', not " + target + " (node left cordoned)");
  } else if (j.newKubelet) {
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
  return drained + ", " + installed + "kubelet " + target + ", " + files + (lifted ? ", uncordoned" : "");
}

class KubeletUpgradePhase : public Phase {
 public:
  explicit KubeletUpgradePhase(const UpgradeContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "kubelet"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.target;
    const std::string target = c.kubernetesVersion.str();
    std::vector<NodeJob> cps, workers;
    std::optional<KubeletBinary> found;  // looked up (and hashed) once
    for (const Host* h : c.hosts()) {
      if (h->role == Role::Etcd) continue;
      const NodeFacts& f = ctx_.state.base.facts.at(h->name);
      auto n = ctx_.state.nodes.find(h->name);
      bool newKubelet = f.kubeletVersion != target;
      bool kubeletBehind = n == ctx_.state.nodes.end() || n->second.kubeletVersion != target;
      bool cordoned = n != ctx_.state.nodes.end() && n->second.cordonedByKforge;
      FileSet files = ctx_.expected.at(h->name).node;
      if (!newKubelet && !kubeletBehind && !cordoned && filesDiffering(files, f) == 0) continue;
      if (newKubelet && c.upgrade.kubeletPackageCommand.empty() && c.upgrade.kubeletBinaryDir.empty())
        throw Error(h->name + " runs kubelet " + f.kubeletVersion + ", and the inventory does not say how to install " +
                        target + ": set spec.upgrade.kubelet.packageCommand or binaryDir (docs/inventory.md)",
                    ExitCode::InvalidInput);
      KubeletBinary binary;
      if (newKubelet && !c.upgrade.kubeletBinaryDir.empty()) {
        if (!found) found = findKubeletBinary(c, target);
        binary = *found;
        // The unit runs the kubelet kforge installs (the facts found the old one, possibly elsewhere in PATH).
        for (auto& file : files)
          if (file.path == kKubeletUnitPath) file.content = renderKubeletUnit(c, *h, c.upgrade.kubeletBinaryPath);
      }
      (h->role == Role::ControlPlane ? cps : workers).push_back({h, files, f, newKubelet, binary});
    }
    int batchSize = c.upgrade.workerBatch(static_cast<int>(c.workerHosts().size()));
    int batch = 0;
    auto add = [&](const NodeJob& j, bool parallel, int b) {
      Applier* a = &ctx_.applier;
      const Cluster* cp = &c;
      std::string runId = ctx_.runId;
      out.steps.push_back({title(), j.host->name,
                           "cordon, drain, " +
                               std::string(!j.newKubelet          ? ""
                                           : j.binary.path.empty() ? "install kubelet " + target + ", "
                                                                   : "install kubelet " + target + " from " + j.binary.path +
                                                                         " (sha256 " + j.binary.sha256.substr(0, 12) + ") as " +
                                                                         c.upgrade.kubeletBinaryPath + ", ") +
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
