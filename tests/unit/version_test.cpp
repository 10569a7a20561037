#include <gtest/gtest.h>

#include "core/version.hpp"

using kforge::Version;

TEST(Version, ParsesWithAndWithoutV) {
  auto a = Version::parse("v1.31.2");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->major, 1);
  EXPECT_EQ(a->minor, 31);
  EXPECT_EQ(a->patch, 2);
  EXPECT_EQ(a->str(), "v1.31.2");
  EXPECT_EQ(Version::parse("1.29.0")->str(), "v1.29.0");
  EXPECT_EQ(Version::parse("v1.32.0-rc.1")->pre, "rc.1");
}

TEST(Version, RejectsMalformed) {
  for (const char* s : {"", "v1", "v1.31", "v1.31.x", "1.31.2.4", "v01.31.2", "v1.31.2-", "latest", "v1..2"})
    EXPECT_FALSE(Version::parse(s)) << s;
}

TEST(Version, Orders) {
  EXPECT_LT(*Version::parse("v1.30.9"), *Version::parse("v1.31.0"));
  EXPECT_LT(*Version::parse("v1.31.0-rc.1"), *Version::parse("v1.31.0"));
  EXPECT_EQ(*Version::parse("v1.31.2"), *Version::parse("1.31.2"));
}

// Build metadata (after '+') is not a pre-release: v1.31.2+build.1 is the release v1.31.2 with a build label.
TEST(Version, BuildMetadataIsNotAPreRelease) {
  auto b = Version::parse("v1.31.2+build.1");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->isRelease());
  EXPECT_EQ(b->pre, "");
  EXPECT_EQ(b->str(), "v1.31.2+build.1");
  EXPECT_EQ(*b, *Version::parse("v1.31.2"));  // semver precedence ignores build metadata
  EXPECT_GT(*b, *Version::parse("v1.31.2-rc.1"));
  EXPECT_LT(*b, *Version::parse("v1.31.3"));
  auto both = Version::parse("v1.32.0-rc.1+abc-def");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->pre, "rc.1");
  EXPECT_FALSE(both->isRelease());
  EXPECT_EQ(both->str(), "v1.32.0-rc.1+abc-def");
  for (const char* s : {"v1.31.2+", "v1.31.2-rc.1+", "v1.31.2+a+b", "v1.31.2+a/b"}) EXPECT_FALSE(Version::parse(s)) << s;
}
