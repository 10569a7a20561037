// Golden files for the addon objects: addonObjects() for test clusters (tests/unit/manifest_clusters.hpp),
// dumped as one JSON array (2-space indent, sorted keys), compared byte for byte with
//   tests/fixtures/golden-addons/<case>.json
// The goldens are the reviewed spec of what kforge uploads after the control plane is up.
//
// To regenerate after an intended change (then review `git diff tests/fixtures/golden-addons`):
//   KFORGE_UPDATE_GOLDEN=1 ./build/tests/kforge_unit_tests --gtest_filter='*AddonsGolden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "addons_test_util.hpp"
#include "bootstrap/addons.hpp"
#include "golden.hpp"
#include "manifest_clusters.hpp"

namespace fs = std::filesystem;
using namespace kforge;

namespace {

const fs::path kGoldenRoot = fs::path(KFORGE_SOURCE_DIR) / "tests" / "fixtures" / "golden-addons";

using golden::slurp;
using golden::updating;

std::vector<std::pair<std::string, Cluster>> cases() {
  return {{"stacked-ha", testclusters::stackedHa()},
          {"external-etcd", testclusters::externalEtcd()},
          {"extra-args", testclusters::extraArgs()},
          {"single-v1.29", testclusters::single129()}};
}

class AddonsGolden : public ::testing::TestWithParam<std::pair<std::string, Cluster>> {};

TEST_P(AddonsGolden, MatchesGoldenFile) {
  const auto& [name, cluster] = GetParam();
  const fs::path file = kGoldenRoot / (name + ".json");
  const std::string rendered = testaddons::dumpAll(addonObjects(cluster, testaddons::options()));
  if (updating()) {
    golden::spill(file, rendered);
    GTEST_SKIP() << "rewrote " << file;
  }
  ASSERT_TRUE(fs::exists(file)) << "no golden " << file << " (run with KFORGE_UPDATE_GOLDEN=1 to create it)";
  EXPECT_EQ(slurp(file), rendered) << file << " differs from what addonObjects renders";
}

INSTANTIATE_TEST_SUITE_P(Cases, AddonsGolden, ::testing::ValuesIn(cases()), [](const auto& info) {
  std::string n = info.param.first;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

TEST(AddonsGoldenDeterminism, RenderingTwiceGivesIdenticalBytes) {
  for (const auto& [name, c] : cases())
    EXPECT_EQ(testaddons::dumpAll(addonObjects(c, testaddons::options())),
              testaddons::dumpAll(addonObjects(c, testaddons::options())))
        << name;
}

}  // namespace
