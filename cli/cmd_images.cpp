// kforge images list: the images a cluster needs, one per line like `kubeadm config images list`
// (or {"images": [...]} with -o json). From an inventory (-f) or from --kubernetes-version [--image-repository].
// Exit codes: 0 ok, 2 usage, 3 version not in the catalog / invalid inventory.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/inventory.hpp"
#include "images/images.hpp"

namespace kforge::cli {

namespace {
struct ImagesListOptions {
  std::string inventory;
  std::string kubernetesVersion;
  std::string repository;
};
}  // namespace

void registerImages(CLI::App& app, GlobalOptions& g) {
  auto* images = app.add_subcommand("images", "container images of a cluster");
  images->require_subcommand(1);
  auto opts = std::make_shared<ImagesListOptions>();
  auto* list = images->add_subcommand("list", "print the images a cluster uses, one per line (kubeadm order)");
  auto* inv = list->add_option("-f,--inventory", opts->inventory, "inventory file");
  auto* ver = list->add_option("--kubernetes-version", opts->kubernetesVersion, "Kubernetes version, e.g. v1.31.2");
  list->add_option("--image-repository", opts->repository, "image repository (default registry.k8s.io)");
  inv->excludes(ver);
  ver->excludes(inv);
  list->callback([&g, opts] {
    runGuarded(g, [&] {
      std::vector<std::string> out;
      if (!opts->inventory.empty()) {
        Cluster c = loadInventory(opts->inventory);
        if (!opts->repository.empty()) c.images.repository = opts->repository;
        out = imageList(c);
      } else {
        if (opts->kubernetesVersion.empty())
          throw Error("images list needs --kubernetes-version or -f/--inventory", ExitCode::Usage);
        auto v = Version::parse(opts->kubernetesVersion);
        if (!v)
          throw Error("--kubernetes-version \"" + opts->kubernetesVersion + "\" is not a version (expected e.g. v1.31.2)",
                      ExitCode::InvalidInput);
        ImageListOptions o;
        if (!opts->repository.empty()) o.repository = opts->repository;
        out = imageList(*v, o);
      }
      if (g.json()) {
        std::cout << nlohmann::json{{"images", out}}.dump(2) << "\n";
      } else {
        for (const auto& image : out) std::cout << image << "\n";
      }
      return 0;
    });
  });
}

}  // namespace kforge::cli
