// kforge kubeconfig -f INV [--out FILE]: the admin kubeconfig (kubeadm:cluster-admins) from the state dir,
// printed to stdout or written 0600 to FILE.
#include <iostream>

#include "cli/commands.hpp"
#include "core/fs.hpp"
#include "core/state_dir.hpp"

namespace kforge::cli {

void registerKubeconfig(CLI::App& app, GlobalOptions& g) {
  struct Opts {
    std::string inventory, stateDir, out;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("kubeconfig", "print (or --out write) the cluster's admin kubeconfig");
  cmd->add_option("-f,--inventory", o->inventory, "inventory file")->required();
  cmd->add_option("--state-dir", o->stateDir, "cluster state directory");
  cmd->add_option("--out", o->out, "write to this file (mode 0600) instead of stdout");
  cmd->callback([&g, o] {
    runGuarded(g, [&] {
      Cluster c = loadInventory(o->inventory);
      StateDir state = StateDir::forCluster(c, o->stateDir);
      if (!fileExists(state.adminKubeconfig()))
        throw Error("no admin kubeconfig at " + state.adminKubeconfig() + " (run kforge render or apply first)",
                    ExitCode::InvalidInput);
      std::string text = readFile(state.adminKubeconfig());
      if (o->out.empty()) {
        std::cout << text;
      } else {
        writeFileAtomic(o->out, text, 0600);
        std::cerr << "wrote " << o->out << " (0600)\n";
      }
      return 0;
    });
  });
}

}  // namespace kforge::cli
