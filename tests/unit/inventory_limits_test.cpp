// Untrusted inventories: size, value length, nesting and alias-expansion limits (core/yaml_reader.hpp), each a
// clear error naming the file (and line:column where there is one) instead of a crash or gigabytes of memory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/inventory.hpp"

using namespace kforge;

namespace {

const std::string kGood =
    "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  kubernetesVersion: v1.31.2\n"
    "  nodePools:\n    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n";

std::string errorOf(const std::string& text) {
  try {
    parseInventory(text, "big.yaml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
    return e.what();
  }
  return "(accepted)";
}

std::string withSpec(const std::string& specLine) {
  std::string t = kGood;
  return t.insert(t.find("  nodePools:"), specLine);
}

}  // namespace

TEST(InventoryLimits, FileOverOneMebibyteIsRefusedBeforeParsing) {
  std::string text = kGood + "# " + std::string(1024 * 1024, 'x') + "\n";
  EXPECT_EQ(errorOf(text), "big.yaml: the file is " + std::to_string(text.size()) +
                               " bytes, larger than 1 MiB, the most kforge reads from an input file");
  EXPECT_EQ(errorOf(kGood + "# " + std::string(1024 * 1024 - kGood.size() - 3, 'x') + "\n"), "(accepted)");

  auto path = std::filesystem::temp_directory_path() / ("kforge-limits-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << text;
  try {
    loadInventory(path.string());
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": the file is larger than 1 MiB, the most kforge reads from "
                                                      "an input file (the inventory file, given with -f)");
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
  }
  std::filesystem::remove(path);
}

TEST(InventoryLimits, EndlessInputIsNotReadToTheEnd) {
  try {
    loadInventory("/dev/zero");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero: the file is larger than 1 MiB"), std::string::npos) << e.what();
  }
}

TEST(InventoryLimits, LongValuesAndKeysAreRefusedAtTheirPosition) {
  EXPECT_EQ(errorOf(withSpec("  apiServer: {extraArgs: {v: \"" + std::string(20000, 'v') + "\"}}\n")),
            "big.yaml:6:30: a value of 20000 bytes; values in kforge's input files are at most 16 KiB (starts with \"" +
                std::string(40, 'v') + "\")");
  // A plain key is at most 1024 characters in YAML (yaml-cpp fails on it); an explicit key ("? ") may be longer.
  EXPECT_EQ(errorOf(withSpec("  ? " + std::string(17000, 'k') + "\n  : 1\n")),
            "big.yaml:6:5: a value of 17000 bytes; values in kforge's input files are at most 16 KiB (starts with \"" +
                std::string(40, 'k') + "\")");
  EXPECT_EQ(errorOf(withSpec("  apiServer: {extraArgs: {v: \"" + std::string(16384, 'v') + "\"}}\n")), "(accepted)");
}

TEST(InventoryLimits, DeepNestingIsRefusedWithAClearMessage) {
  const std::string msg = "nesting deeper than 32 levels; kforge's input files need far fewer (check for unbalanced "
                          "[ or { or runaway indentation)";
  // Deeper than yaml-cpp's own guard (2000 levels): it used to end in "YAML syntax error: bad file"-like messages.
  std::string e = errorOf(withSpec("  apiServer: {extraArgs: {v: " + std::string(5000, '[') + std::string(5000, ']') + "}}\n"));
  EXPECT_NE(e.find(msg), std::string::npos) << e;
  EXPECT_TRUE(e.starts_with("big.yaml:6:")) << e;
  std::string block = "  x:\n";
  for (int i = 1; i < 40; ++i) block += std::string(2 + 2 * i, ' ') + "x:\n";
  e = errorOf(withSpec(block));
  EXPECT_NE(e.find(msg), std::string::npos) << e;
}

TEST(InventoryLimits, AliasExpansionIsBounded) {
  // "Billion laughs": nine levels of nine aliases each is 9^9 nodes when walked, from a few hundred bytes.
  std::string text = kGood + "x:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 9; ++k) text += ", " + prev;
    text += "]\n";
  }
  std::string e = errorOf(text);
  EXPECT_NE(e.find("nodes (aliases count at each use); kforge's input files need far fewer"), std::string::npos) << e;
}

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
  // Just under the value limit the rules themselves run on them.
  std::string under(16000, 'a');
  EXPECT_EQ(answer(withSpec("  images: {repository: " + under + "}\n")), "accepted");
  EXPECT_EQ(answer(withSpec("  etcd: {extraArgs: {" + std::string(1000, 'a') + ": x}}\n")), "accepted");
  EXPECT_NE(answer(withSpec("  apiServer: {extraArgs: {v: " + std::string(16000, '1') + "}}\n")), "accepted");
}
