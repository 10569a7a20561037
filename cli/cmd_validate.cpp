// kforge validate -f INV: loads and validates an inventory, prints its warnings and a one-line summary.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/inventory.hpp"
#include "core/printable.hpp"

namespace kforge::cli {

namespace {

std::string summary(const Cluster& c) {
  size_t etcd = 0;
  for (const auto* h : c.hosts())
    if (h->role == Role::Etcd) ++etcd;
  return "inventory OK: cluster " + c.name + ", Kubernetes " + c.kubernetesVersion.str() + ", " +
         std::to_string(c.controlPlaneHosts().size()) + " control-plane, " + std::to_string(etcd) + " etcd, " +
         std::to_string(c.workerHosts().size()) + " worker hosts (" + toString(c.etcd.topology) + " etcd)";
}

nlohmann::json toJson(const Cluster& c) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto* h : c.hosts())
    hosts.push_back({{"name", h->name}, {"address", h->address}, {"role", toString(h->role)}, {"pool", h->pool}});
  return {{"valid", true},
          {"cluster", c.name},
          {"kubernetesVersion", c.kubernetesVersion.str()},
          {"etcdTopology", toString(c.etcd.topology)},
          {"controlPlaneEndpoint", c.endpointHostPort()},
          {"warnings", c.warnings},
          {"hosts", hosts}};
}

}  // namespace

void registerValidate(CLI::App& app, GlobalOptions& g) {
  auto* cmd = app.add_subcommand("validate", "check an inventory file and print a summary (exit 3 when invalid)");
  static std::string inventory;
  cmd->add_option("-f,--inventory", inventory, "inventory file (YAML, see docs/inventory.md)")->required();
  cmd->callback([&g] {
    runGuarded(g, [&] {
      if (g.json()) {
        // Invalid input is a result here, not a failure: {"valid": false, "error": ...} and exit code 3.
        try {
          std::cout << toJson(loadInventory(inventory)).dump(2) << "\n";
          return 0;
        } catch (const Error& e) {
          int code = static_cast<int>(e.code());
          std::cout << nlohmann::json{{"valid", false}, {"error", printable(e.what(), 16000, true)}, {"exitCode", code}}.dump(2) << "\n";
          return code;
        }
      }
      Cluster c = loadInventory(inventory);
      for (const auto& w : c.warnings) std::cout << "warning: " << w << "\n";
      std::cout << summary(c) << "\n";
      return 0;
    });
  });
}

}  // namespace kforge::cli
