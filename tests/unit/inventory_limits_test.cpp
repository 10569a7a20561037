// Untrusted inventories: long values must not crash the loader (std::regex recursed per character).
#include <gtest/gtest.h>

#include "core/inventory.hpp"

using namespace kforge;

namespace {

const std::string kGood =
    "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  kubernetesVersion: v1.31.2\n"
    "  nodePools:\n    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n";

std::string withSpec(const std::string& specLine) {
  std::string t = kGood;
  return t.insert(t.find("  nodePools:"), specLine);
}

}  // namespace

// Each of these values went through std::regex before and crashed the loader with a stack overflow. Now the
// loader answers: the inventory is accepted or refused with a kforge::Error (which one is checked elsewhere).
TEST(InventoryLimits, LongValuesDoNotCrashTheLoader) {
  std::string big(200000, 'a');
  auto answer = [](const std::string& text) {
    try {
      parseInventory(text, "long.yaml");
      return std::string("accepted");
    } catch (const Error& e) {
      return std::string(e.what()).substr(0, 40);
    }
  };
  for (const std::string& extra : {"  images: {repository: " + big + "}\n", "  etcd: {dataDir: /" + big + "}\n",
                                  "  etcd: {extraArgs: {" + big + ": x}}\n",
                                  "  apiServer: {extraArgs: {v: " + std::string(200000, '1') + "}}\n",
                                  "  ssh: {user: " + big + "}\n", "  etcd: {imageTag: " + big + "}\n"})
    EXPECT_FALSE(answer(withSpec(extra)).empty());
  // Long values the rules run on.
  std::string under(16000, 'a');
  EXPECT_EQ(answer(withSpec("  images: {repository: " + under + "}\n")), "accepted");
  EXPECT_EQ(answer(withSpec("  etcd: {extraArgs: {" + std::string(1000, 'a') + ": x}}\n")), "accepted");
  EXPECT_NE(answer(withSpec("  apiServer: {extraArgs: {v: " + std::string(16000, '1') + "}}\n")), "accepted");
}
