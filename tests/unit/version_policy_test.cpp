// kforge upgrade's version policy (upgrade/version_policy): kubeadm's skew rules and chained hops.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "upgrade/version_policy.hpp"

using namespace kforge;
using namespace kforge::upgrade;

namespace {

Version V(const char* s) { return *Version::parse(s); }

std::string errorOf(const Version& from, const Version& to, bool chain) {
  try {
    upgradeHops(from, to, chain);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(VersionPolicy, PatchAndOneMinorAreOneHop) {
  EXPECT_EQ(upgradeHops(V("v1.36.1"), V("v1.36.3"), false), std::vector<Version>{V("v1.36.3")});
  EXPECT_EQ(upgradeHops(V("v1.36.3"), V("v1.37.2"), false), std::vector<Version>{V("v1.37.2")});
  EXPECT_TRUE(upgradeHops(V("v1.37.2"), V("v1.37.2"), false).empty());
}

TEST(VersionPolicy, SkippingMinorsNeedsChainingAndChainsThroughTheNewestPatchOfEachMinor) {
  auto msg = errorOf(V("v1.34.4"), V("v1.37.2"), false);
  EXPECT_NE(msg.find("one minor at a time"), std::string::npos) << msg;
  EXPECT_NE(msg.find("v1.34.4 -> v1.35.4 -> v1.36.3 -> v1.37.2"), std::string::npos) << msg;
  EXPECT_EQ(upgradeHops(V("v1.34.4"), V("v1.37.2"), true),
            (std::vector<Version>{V("v1.35.4"), V("v1.36.3"), V("v1.37.2")}));
}

TEST(VersionPolicy, DowngradesAndUnknownTargetsAreRefused) {
  EXPECT_NE(errorOf(V("v1.37.2"), V("v1.36.3"), true).find("refusing to downgrade"), std::string::npos);
  auto unknown = errorOf(V("v1.36.3"), V("v1.37.9"), true);
  EXPECT_NE(unknown.find("not in kforge's version catalog (supported: "), std::string::npos) << unknown;
}

TEST(VersionPolicy, KubeletSkew) {
  std::vector<KubeletVersion> ok = {{"cp1", V("v1.36.3")}, {"w1", V("v1.34.4")}};
  EXPECT_TRUE(kubeletSkewFindings(ok, V("v1.36.3"), V("v1.37.2")).empty());
  auto old = kubeletSkewFindings({{"w1", V("v1.33.6")}}, V("v1.36.3"), V("v1.37.2"));
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0], "w1: kubelet v1.33.6 is 4 minors older than v1.37.2 (at most 3 are supported); upgrade it to at "
                    "least v1.34 first");
  auto newer = kubeletSkewFindings({{"w2", V("v1.37.2")}}, V("v1.36.3"), V("v1.37.2"));
  ASSERT_EQ(newer.size(), 1u);
  EXPECT_NE(newer[0].find("newer than the API server v1.36.3"), std::string::npos);
}

}  // namespace
