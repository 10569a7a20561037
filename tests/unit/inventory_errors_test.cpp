// Malformed inventories: every file in tests/fixtures/bad-inventories/ must be rejected with exactly the message
// written on its first line as "# expect: <message>". The message includes "<file>:<line>:<column>: " where
// <file> is the fixture's base name (the test parses the text with that name) and line/column are 1-based,
// counting the "# expect:" line itself as line 1. Messages are compared in full, so a changed position or wording
// fails the test; update the fixture together with the loader.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/fs.hpp"
#include "core/inventory.hpp"

namespace fs = std::filesystem;
using namespace kforge;

namespace {

std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(KFORGE_SOURCE_DIR) + "/tests/fixtures/bad-inventories"))
    if (e.path().extension() == ".yaml") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class BadInventory : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(BadInventories, AtLeastThirty) { EXPECT_GE(fixtures().size(), 30u); }

TEST_P(BadInventory, RejectedWithExactMessage) {
  std::string name = GetParam();
  std::string text = readFile(std::string(KFORGE_SOURCE_DIR) + "/tests/fixtures/bad-inventories/" + name);
  const std::string prefix = "# expect: ";
  ASSERT_TRUE(text.starts_with(prefix)) << name << " must start with '" << prefix << "<message>'";
  std::string expected = text.substr(prefix.size(), text.find('\n') - prefix.size());
  try {
    parseInventory(text, name);
    FAIL() << name << " was accepted; expected: " << expected;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BadInventory, ::testing::ValuesIn(fixtures()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return "f" + n;
                         });
