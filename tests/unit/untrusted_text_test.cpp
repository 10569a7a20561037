// Untrusted text (inventory values, a host's output) reaches the terminal escaped and bounded: inventory errors,
// progress lines, the CLI's error output (text and JSON). The helper itself: printable_test.cpp.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/inventory.hpp"
#include "core/progress.hpp"

using namespace kforge;

namespace {

bool hasRawControl(const std::string& s, bool allowNewline = false) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && !(allowNewline && c == '\n')) || c == 0x7F) return true;
  return false;
}

std::string inventoryWithClusterName(const std::string& name) {
  return "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: \"" + name +
         "\"}\nspec:\n  kubernetesVersion: v1.31.2\n  nodePools:\n"
         "    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n";
}

std::string errorOf(const std::string& text) {
  try {
    parseInventory(text, "x.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(UntrustedText, InventoryErrorsEscapeAndBoundValues) {
  std::string e = errorOf(inventoryWithClusterName("evil\\e]0;pwned\\a\\e[2J"));
  EXPECT_FALSE(hasRawControl(e)) << e;
  EXPECT_NE(e.find("\"evil\\x1b]0;pwned\\x07\\x1b[2J\""), std::string::npos) << e;

  e = errorOf(inventoryWithClusterName(std::string(10000, 'X')));
  EXPECT_LT(e.size(), 600u) << e.substr(0, 600);
  EXPECT_NE(e.find("…(9800 more bytes)"), std::string::npos);

  // Keys and YAML scalars shown by the reader itself.
  std::string text = inventoryWithClusterName("ok");
  text.insert(text.find("spec:"), "\"bad\\ekey\": 1\n");
  e = errorOf(text);
  EXPECT_FALSE(hasRawControl(e)) << e;
  EXPECT_NE(e.find("unknown key \"bad\\x1bkey\""), std::string::npos) << e;
}

TEST(UntrustedText, ProgressLinesEscapeHostAndDetail) {
  ProgressEvent e{"cp\x1b[31m1", "clean", StepStatus::Failed, 1.0, 0, "stderr: \x1b]52;c;AAAA\x07\nnext", ExitCode::Ok};
  std::string line = formatProgress(e);
  EXPECT_FALSE(hasRawControl(line, true)) << line;
  EXPECT_NE(line.find("cp\\x1b[31m1"), std::string::npos) << line;
  EXPECT_NE(line.find("\\x1b]52;c;AAAA\\x07\nnext"), std::string::npos) << line;
  e.detail = "\xff\xfe";
  std::string j = progressJson(e);  // invalid UTF-8 would make the JSON encoder throw
  EXPECT_NE(j.find("\\\\xff\\\\xfe"), std::string::npos) << j;
  e.detail = std::string(100000, 'd');
  EXPECT_LT(formatProgress(e).size(), 2200u);
}

TEST(UntrustedText, CliErrorOutputIsEscapedAndValidJson) {
  auto dir = std::filesystem::temp_directory_path() / ("kforge-printable-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string inv = (dir / "inv.yaml").string();
  std::ofstream(inv) << inventoryWithClusterName("a\\e[2Jb\xff");  // a raw invalid UTF-8 byte
  auto run = [](const std::string& args) {
    std::string cmd = std::string(KFORGE_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int st = pclose(p);
    return std::make_pair(WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
  };
  auto [code, out] = run("validate -f " + inv);
  EXPECT_EQ(code, 3) << out;
  EXPECT_FALSE(hasRawControl(out, true)) << out;
  EXPECT_NE(out.find("a\\x1b[2Jb"), std::string::npos) << out;
  auto [jcode, jout] = run("-o json validate -f " + inv);
  EXPECT_EQ(jcode, 3) << jout;
  auto j = nlohmann::json::parse(jout, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << jout;
  EXPECT_NE(j["error"].get<std::string>().find("a\\x1b[2Jb"), std::string::npos) << jout;
  std::filesystem::remove_all(dir);
}
