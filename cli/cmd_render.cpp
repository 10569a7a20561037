// kforge render -f INV --out DIR: the offline bundle, one directory per host holding exactly the files that
// host gets (with their modes), plus DIR/index.json listing every file with mode and sha256.
// Files a previous render wrote that the new one no longer has are reported, never deleted.
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "bootstrap/bundle.hpp"
#include "cli/commands.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/sha256.hpp"
#include "core/state_dir.hpp"
#include "pki/store.hpp"

namespace kforge::cli {

namespace {

struct RenderOptions {
  std::string inventory;
  std::string stateDir;
  std::string out;
};

std::set<std::string> filesUnder(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) out.insert(it->path().string().substr(dir.size()));
  return out;
}

std::string modeString(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m));
  return buf;
}

int render(GlobalOptions& g, const RenderOptions& o) {
  Cluster c = loadInventory(o.inventory);
  for (const auto& w : c.warnings) std::cerr << "warning: " << w << "\n";
  StateDir state = StateDir::forCluster(c, o.stateDir);
  FileLock lock(state.lockFile(), "render");  // makes the state dir 0700, or checks that it is private
  // The bundle holds every host's keys (and the CA keys): its directory must be private too.
  ensurePrivateDir(o.out, "render output directory");
  auto report = pki::ensurePki(c, state.root, std::time(nullptr));
  for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
  auto bundle = renderBundle(c, state.root);

  nlohmann::json index = nlohmann::json::object();
  nlohmann::json stale = nlohmann::json::array();
  size_t total = 0;
  for (const auto& hb : bundle) {
    std::string root = o.out + "/" + hb.host->name;
    auto before = filesUnder(root);
    writeFileSet(hb.files, root);
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : hb.files) {
      files.push_back({{"path", f.path}, {"mode", modeString(f.mode)}, {"sha256", sha256Hex(f.content)}});
      before.erase(f.path);
    }
    for (const auto& s : before) stale.push_back(hb.host->name + s);
    index[hb.host->name] = {{"role", toString(hb.host->role)}, {"address", hb.host->address}, {"files", files}};
    total += hb.files.size();
  }
  writeFileAtomic(o.out + "/index.json", index.dump(2) + "\n", 0644);

  if (g.json()) {
    nlohmann::json j{{"out", o.out},
                     {"stateDir", state.root},
                     {"hosts", index},
                     {"pki", {{"created", report.created.size()}, {"reissued", report.reissued.size()},
                              {"kept", report.kept.size()}}},
                     {"stale", stale}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "PKI in " << state.root << ": " << report.created.size() << " created, " << report.reissued.size()
            << " re-issued, " << report.kept.size() << " kept\n";
  for (const auto& r : report.reissued) std::cout << "  re-issued " << r.file << ": " << r.reason << "\n";
  for (const auto& hb : bundle)
    std::cout << "  " << hb.host->name << " (" << toString(hb.host->role) << ", " << hb.host->address << "): "
              << hb.files.size() << " files in " << o.out << "/" << hb.host->name << "\n";
  for (const auto& s : stale) std::cout << "  note: " << s.get<std::string>() << " is left from an earlier render\n";
  std::cout << "Rendered " << total << " files for " << bundle.size() << " hosts; index in " << o.out
            << "/index.json\n";
  return 0;
}

}  // namespace

void registerRender(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<RenderOptions>();
  auto* cmd = app.add_subcommand("render", "render every host's files (PKI, kubeconfigs, manifests) to a directory");
  cmd->add_option("-f,--inventory", o->inventory, "inventory file")->required();
  cmd->add_option("--out", o->out, "output directory (one directory per host)")->required();
  cmd->add_option("--state-dir", o->stateDir, "cluster state directory (default: .kforge/<cluster> beside the inventory)");
  cmd->callback([&g, o] { runGuarded(g, [&] { return render(g, *o); }); });
}

}  // namespace kforge::cli
