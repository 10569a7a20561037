// Golden-file tests: every file renderHostManifests produces for every host of every test cluster
// (tests/unit/manifest_clusters.hpp) is compared byte for byte with
//   tests/fixtures/golden/<case>/<host>/<absolute path on the host>
// and the file modes with tests/fixtures/golden/<case>/MODES ("<host> <path> <octal mode>" per line).
// The goldens are the reviewed spec (reference/kubeadm.md §3): review a diff in them as you would a spec change.
//
// To regenerate after an intended change (then review `git diff tests/fixtures/golden`):
//   KFORGE_UPDATE_GOLDEN=1 ./build/tests/kforge_unit_tests --gtest_filter='*ManifestGolden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bootstrap/manifests.hpp"
#include "golden.hpp"
#include "manifest_clusters.hpp"

namespace fs = std::filesystem;
using namespace kforge;

namespace {

const fs::path kGoldenRoot = fs::path(KFORGE_SOURCE_DIR) / "tests" / "fixtures" / "golden";

using golden::slurp;
using golden::updating;

using golden::spill;

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m));
  return buf;
}

// relative path under the case dir → content, for everything the cluster renders (+ the MODES index).
std::map<std::string, std::string> renderCase(const Cluster& c) {
  std::map<std::string, std::string> files;
  std::string modes;
  for (const Host* h : c.hosts()) {
    for (const auto& f : renderHostManifests(c, *h)) {
      files[h->name + f.path] = f.content;
      modes += h->name + " " + f.path + " " + octal(f.mode) + "\n";
    }
  }
  files["MODES"] = modes;
  return files;
}

std::map<std::string, std::string> readCase(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return files;
}

class ManifestGolden : public ::testing::TestWithParam<std::pair<std::string, Cluster>> {};

TEST_P(ManifestGolden, MatchesGoldenFiles) {
  const auto& [name, cluster] = GetParam();
  const fs::path dir = kGoldenRoot / name;
  const auto rendered = renderCase(cluster);
  if (updating()) {
    fs::remove_all(dir);
    for (const auto& [rel, content] : rendered) spill(dir / rel, content);
    GTEST_SKIP() << "rewrote " << dir;
  }
  const auto golden = readCase(dir);
  ASSERT_FALSE(golden.empty()) << "no goldens in " << dir << " (run with KFORGE_UPDATE_GOLDEN=1 to create them)";
  for (const auto& [rel, content] : rendered) {
    auto it = golden.find(rel);
    if (it == golden.end()) {
      ADD_FAILURE() << name << ": rendered " << rel << " has no golden file";
      continue;
    }
    EXPECT_EQ(it->second, content) << name << "/" << rel << " differs from its golden file";
  }
  for (const auto& [rel, _] : golden)
    EXPECT_TRUE(rendered.count(rel)) << name << ": golden " << rel << " is no longer rendered";
}

INSTANTIATE_TEST_SUITE_P(Cases, ManifestGolden, ::testing::ValuesIn(testclusters::goldenCases()),
                         [](const auto& info) {
                           std::string n = info.param.first;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ManifestGoldenDeterminism, RenderingTwiceGivesIdenticalBytes) {
  for (const auto& [name, c] : testclusters::goldenCases()) EXPECT_EQ(renderCase(c), renderCase(c)) << name;
}

}  // namespace
