// -v raises the log level to debug (core/log.hpp): debug lines on stderr, stdout unchanged; without -v none.
#include <gtest/gtest.h>

#include "tests/unit/cli_run.hpp"

using kforge::testing::runKforge;

namespace {
const std::string kInventory = std::string(KFORGE_SOURCE_DIR) + "/inventories/ha-stacked.yaml";
const std::string kSummary =
    "inventory OK: cluster prod-eu1, Kubernetes v1.31.2, 3 control-plane, 0 etcd, 2 worker hosts (stacked etcd)\n";
}  // namespace

TEST(CliVerbose, DebugLinesOnlyWithV) {
  auto quiet = runKforge("validate -f " + kInventory);
  EXPECT_EQ(quiet.exitCode, 0) << quiet.err;
  EXPECT_EQ(quiet.out, kSummary);
  EXPECT_EQ(quiet.err, "");

  for (const std::string& args : {"-v validate -f " + kInventory, "validate -f " + kInventory + " --verbose"}) {
    auto loud = runKforge(args);
    EXPECT_EQ(loud.exitCode, 0) << loud.err;
    EXPECT_EQ(loud.out, kSummary) << args;  // results stay on stdout, untouched
    EXPECT_EQ(loud.err, "debug: inventory " + kInventory + ": cluster prod-eu1, Kubernetes v1.31.2, 5 hosts\n") << args;
  }
}

TEST(CliVerbose, JsonOutputStaysParseable) {
  auto r = runKforge("-v -o json validate -f " + kInventory);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_NE(r.err.find("debug: inventory "), std::string::npos) << r.err;
}
