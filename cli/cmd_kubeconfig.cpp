// kforge kubeconfig -f INV [--out FILE]: the admin kubeconfig (kubeadm:cluster-admins) from the state dir,
// printed to stdout or written 0600 to FILE. With -o json the same choice, as one object on stdout:
//   printed:  {"cluster": C, "path": <admin.conf in the state dir>, "kubeconfig": "<the file's text>"}
//   --out:    {"cluster": C, "path": FILE, "source": <admin.conf>, "mode": "0600"}  (no key material)
#include <iostream>
#include <nlohmann/json.hpp>

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
        // The text, byte for byte (a YAML file; a JSON string keeps it exact for `jq -r .kubeconfig`).
        if (g.json())
          std::cout << nlohmann::json{{"cluster", c.name}, {"path", state.adminKubeconfig()}, {"kubeconfig", text}}.dump(2)
                    << "\n";
        else
          std::cout << text;
      } else {
        writeFileAtomic(o->out, text, 0600);
        if (g.json())
          std::cout << nlohmann::json{{"cluster", c.name}, {"path", o->out}, {"source", state.adminKubeconfig()},
                                      {"mode", "0600"}}.dump(2)
                    << "\n";
        else
          std::cerr << "wrote " << o->out << " (0600)\n";
      }
      return 0;
    });
  });
}

}  // namespace kforge::cli
