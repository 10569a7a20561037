// kforge token create -f INV [--ttl 24h] [--description TEXT] [--print-join-command]: a bootstrap token in the
// cluster, as `kubeadm token create` makes one, for joining a node by hand with the real kubeadm (`kubeadm join
// <endpoint> --token T --discovery-token-ca-cert-hash sha256:H`): its Secret in kube-system, signing the
// kube-public/cluster-info ConfigMap through the controller-manager's bootstrapsigner, authenticating as
// system:bootstrappers:kubeadm:default-node-token.
//
// Decision (docs/kubeadm-compat.md): `kforge apply` creates no token. kubeadm init leaves one valid for 24 h because
// `kubeadm join` needs it; kforge joins every node with a client certificate it issued, so a standing credential
// would only be attack surface. This command makes one when a user wants kubeadm's way, and it expires (--ttl 0:
// never, as kubeadm's).
//
// The token is the command's output (as kubeadm's): it goes to stdout only, never to a log.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bootstrap/addons.hpp"
#include "bootstrap/wait.hpp"
#include "cli/commands.hpp"
#include "core/duration.hpp"
#include "core/fs.hpp"
#include "core/state_dir.hpp"
#include "kube/client.hpp"
#include "pki/token.hpp"

namespace kforge::cli {

void registerToken(CLI::App& app, GlobalOptions& g) {
  struct Opts {
    std::string inventory, stateDir, ttl = "24h", description = "made by kforge token create";
    bool printJoin = false;
  };
  auto o = std::make_shared<Opts>();
  auto* token = app.add_subcommand("token", "bootstrap tokens for joining nodes with the real kubeadm");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "create a bootstrap token in the cluster and print it");
  create->add_option("-f,--inventory", o->inventory, "inventory file")->required();
  create->add_option("--state-dir", o->stateDir, "cluster state directory");
  create->add_option("--ttl", o->ttl, "lifetime, e.g. 24h, 30m; 0 = never expires (default 24h)");
  create->add_option("--description", o->description, "stored with the token (kubeadm token list shows it)");
  create->add_flag("--print-join-command", o->printJoin,
                   "print the whole `kubeadm join` command (endpoint, token, CA hash) instead of the token");
  create->callback([&g, o] {
    runGuarded(g, [&] {
      Cluster c = loadInventory(o->inventory);
      StateDir state = StateDir::forCluster(c, o->stateDir);
      auto ttl = o->ttl == "0" ? std::optional<int>(0) : parseDurationSeconds(o->ttl);
      if (!ttl) throw Error("--ttl " + o->ttl + ": expected a duration such as 24h, 30m or 0", ExitCode::InvalidInput);
      if (!fileExists(state.adminKubeconfig()))
        throw Error("no admin kubeconfig at " + state.adminKubeconfig() + " (run kforge apply first)",
                    ExitCode::InvalidInput);
      std::optional<std::chrono::system_clock::time_point> expires;
      if (*ttl > 0) expires = std::chrono::system_clock::now() + std::chrono::seconds(*ttl);
      const std::string tok = pki::generateBootstrapToken();
      auto client = kube::KubeClient::fromKubeconfig(state.adminKubeconfig());
      client.apply(bootstrapTokenSecret(tok, expires, o->description));
      // kubeadm join's discovery needs cluster-info signed for this token: the controller-manager's bootstrapsigner
      // adds the signature a moment after the Secret appears. Wait for it, so that the printed command works at
      // once (kubeadm token create returns before; a join right after it can find no signature).
      const std::string jws = "jws-kubeconfig-" + tok.substr(0, 6);
      waitUntil(std::chrono::seconds(60), "the controller-manager to sign kube-public/cluster-info for the token "
                "(its bootstrapsigner controller)", [&]() -> std::string {
        auto cm = client.getIfExists("/api/v1/namespaces/kube-public/configmaps/cluster-info");
        if (!cm) return "no cluster-info ConfigMap";
        return cm->contains("data") && (*cm)["data"].contains(jws) ? "" : "no " + jws + " yet";
      });
      const std::string hash = pki::discoveryHashFromPem(readFile(state.root + "/pki/ca.crt"));
      const std::string join =
          "kubeadm join " + c.endpointHostPort() + " --token " + tok + " --discovery-token-ca-cert-hash " + hash;
      if (g.json()) {
        nlohmann::json j{{"cluster", c.name}, {"token", tok}, {"discoveryTokenCaCertHash", hash},
                         {"endpoint", c.endpointHostPort()}, {"joinCommand", join}};
        j["expires"] = *ttl > 0 ? nlohmann::json(formatDuration(*ttl)) : nlohmann::json(nullptr);
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << (o->printJoin ? join : tok) << "\n";
      }
      return 0;
    });
  });
}

}  // namespace kforge::cli
