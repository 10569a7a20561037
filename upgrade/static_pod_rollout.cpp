#include "upgrade/static_pod_rollout.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "bootstrap/component_restart.hpp"
#include "bootstrap/static_pod.hpp"
#include "bootstrap/wait.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "kube/client.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/sftp.hpp"
#include "ssh/shell.hpp"
#include "upgrade/cluster_state.hpp"

namespace kforge::upgrade {

std::string manifestImage(const std::string& manifestYaml) {
  std::istringstream in(manifestYaml);
  std::string line;
  while (std::getline(in, line)) {
    auto p = line.find("image: ");
    if (p == std::string::npos) continue;
    bool indentOnly = line.find_first_not_of(' ') == p || line.find_first_not_of(' ') + 2 == p;  // "  image:" / "- image:"
    if (indentOnly) return line.substr(p + 7);
  }
  return "";
}

namespace {

struct Wanted {
  std::string component;
  std::string image;
  std::string hashBefore;  // "" when there was no mirror pod
};

// "" when every wanted component runs its image, with a new config hash, Ready; else why not.
std::string mirrorsRunning(kube::KubeClient& client, const std::string& node, const std::vector<Wanted>& wanted,
                           bool needNewHash) {
  auto pods = readMirrorPods(client);
  for (const auto& w : wanted) {
    const MirrorPod* m = nullptr;
    for (const auto& p : pods)
      if (p.node == node && p.component == w.component) m = &p;
    if (!m) return w.component + ": no mirror pod yet";
    if (needNewHash && !w.hashBefore.empty() && m->configHash == w.hashBefore)
      return w.component + ": the kubelet still runs the old manifest (config.hash " + m->configHash + ")";
    if (m->image != w.image) return w.component + " runs " + m->image + ", not " + w.image;
    if (!m->ready) return w.component + " is not Ready";
  }
  return "";
}

// Process ids per component on the host now (the same remote read as apply's restart phase).
std::map<std::string, std::vector<int>> processesOn(Applier& a, const Host& h) {
  auto rt = parseRuntime(ssh::execChecked(a.fleet().session(h.name), runtimeScript()).out);
  if (!rt.observed) throw Error(h.name + ": cannot read the host's processes");
  return rt.pids;
}

// "" when every wanted component runs a process that did not run before (`before`), else why not.
std::string newProcesses(Applier& a, const Host& h, const std::vector<Wanted>& wanted,
                         const std::map<std::string, std::vector<int>>& before) {
  auto now = processesOn(a, h);
  for (const auto& w : wanted) {
    auto it = now.find(w.component);
    if (it == now.end() || it->second.empty()) return w.component + ": no process yet";
    auto old = before.find(w.component);
    if (old != before.end())
      for (int pid : it->second)
        if (std::find(old->second.begin(), old->second.end(), pid) != old->second.end())
          return w.component + ": the old process " + std::to_string(pid) + " still runs";
  }
  return "";
}

}  // namespace

std::string rolloutStaticPods(Applier& a, const Rollout& r) {
  const Host& h = *r.host;
  auto client = kube::KubeClient::fromKubeconfig(a.options().stateDir + "/admin.conf");
  auto& session = a.fleet().session(h.name);

  // What is on the host now (a re-run after a kill sees what the killed run wrote).
  std::vector<Wanted> wanted;
  std::map<std::string, std::string> hashes;  // path -> sha256 now, "" = missing
  {
    std::string script;
    for (const auto& f : r.files)
      script += "if [ -f " + ssh::shellQuote(f.path) + " ]; then sha256sum " + ssh::shellQuote(f.path) +
                "; else echo - " + ssh::shellQuote(f.path) + "; fi; ";
    auto out = ssh::execChecked(session, script).out;
    std::istringstream in(out);
    std::string sum, path;
    while (in >> sum >> path) hashes[path] = sum == "-" ? "" : sum;
  }
  // Without mirror pods (the host's API server held down), not even this read: the balancer may still send it to
  // the API server just stopped.
  std::vector<MirrorPod> before;
  std::map<std::string, std::vector<int>> pidsBefore;
  if (r.viaMirror) before = readMirrorPods(client);
  else pidsBefore = processesOn(a, h);
  std::vector<FileEntry> changed;
  for (const auto& f : r.files) {
    Wanted w{componentOfManifest(f.path), manifestImage(f.content), ""};
    for (const auto& p : before)
      if (p.node == h.name && p.component == w.component) w.hashBefore = p.configHash;
    wanted.push_back(w);
    if (hashes[f.path] != sha256Hex(f.content)) changed.push_back(f);
  }

  // Old manifests kept aside, then the new ones written (each atomically: hidden temp file + rename).
  std::string backupDir = "/etc/kubernetes/tmp/kforge-backup-" + a.runStamp();
  std::vector<std::string> replaced, created;
  if (!changed.empty()) {
    ssh::ShellCommand keep("mkdir");
    keep.arg("-p").arg("-m").arg("0700").arg(backupDir + "/manifests");
    for (const auto& f : changed) {
      if (hashes[f.path].empty()) {
        created.push_back(f.path);
        continue;
      }
      replaced.push_back(f.path);
      keep.raw("&&").arg("cp").arg("-p").arg("--").arg(f.path).arg(backupDir + "/manifests/");
    }
    ssh::execChecked(session, keep);
    ssh::upload(session, changed);
  }

  std::string reason;
  try {
    waitUntil(r.timeout, wanted.front().component + " at " + r.targetVersion + " on " + h.name, [&]() -> std::string {
      std::string why = r.viaMirror ? mirrorsRunning(client, h.name, wanted, !changed.empty())
                                    : changed.empty() ? "" : newProcesses(a, h, wanted, pidsBefore);
      if (why.empty() && !r.viaMirror && r.runsTarget) why = r.runsTarget();
      if (!why.empty()) return why;
      return r.healthy ? r.healthy() : "";
    });
    std::string detail = changed.empty() ? "already at " + r.targetVersion
                                         : std::to_string(changed.size()) + " manifest" + (changed.size() == 1 ? "" : "s") +
                                               " replaced (old ones in " + backupDir + "/manifests), running " +
                                               r.targetVersion;
    return detail;
  } catch (const Error& e) {
    reason = e.what();
  }

  // Roll back this host: the old manifests back (atomically), new ones that had no predecessor removed.
  if (changed.empty() || (replaced.empty() && created.empty()))
    throw Error(h.name + ": " + reason + " (the manifests were already at " + r.targetVersion +
                    " when this run began; nothing to roll back to)",
                ExitCode::Failure);
  ssh::ShellCommand back("true");
  for (const auto& p : replaced) {
    std::string tmp = ssh::uploadTempPath(p);
    back.raw("&&").arg("cp").arg("-p").arg("--").arg(backupDir + "/manifests/" + p.substr(p.rfind('/') + 1)).arg(tmp);
    back.raw("&&").arg("mv").arg("-f").arg("--").arg(tmp).arg(p);
  }
  for (const auto& p : created) back.raw("&&").arg("rm").arg("-f").arg("--").arg(p);
  ssh::execChecked(session, back);
  std::vector<Wanted> old;
  for (const auto& p : replaced) {
    Wanted w{componentOfManifest(p), "", ""};
    for (const auto& m : before)
      if (m.node == h.name && m.component == w.component) w.image = m.image;
    if (!w.image.empty()) old.push_back(w);
  }
  std::string after = "it is Ready again at its previous version";
  try {
    if (!r.viaMirror) {
      auto pidsOfNew = processesOn(a, h);
      std::vector<Wanted> back;
      for (const auto& p : replaced) back.push_back({componentOfManifest(p), "", ""});
      if (!back.empty())
        waitUntil(r.timeout, "the previous " + back.front().component + " on " + h.name, [&]() -> std::string {
          std::string why = newProcesses(a, h, back, pidsOfNew);
          if (!why.empty()) return why;
          return r.healthy ? r.healthy() : "";
        });
    } else if (!old.empty())
      waitUntil(r.timeout, "the previous " + old.front().component + " on " + h.name,
                [&]() -> std::string { return mirrorsRunning(client, h.name, old, false); });
  } catch (const Error& e) {
    after = std::string("it is NOT healthy yet: ") + e.what();
  }
  throw Error(h.name + ": " + wanted.front().component + " at " + r.targetVersion + " did not become healthy (" + reason +
                  "); rolled back: the previous manifests are in place again and " + after,
              ExitCode::RolledBack);
}

}  // namespace kforge::upgrade
