#include <gtest/gtest.h>

#include "core/net.hpp"

using namespace kforge;

TEST(Net, FirstServiceAddress) {
  auto c = Cidr::parse("10.96.0.0/12");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->nth(1).str(), "10.96.0.1");
  EXPECT_EQ(Cidr::parse("fd00:10:96::/112")->nth(1).str(), "fd00:10:96::1");
  EXPECT_EQ(Cidr::parse("10.0.0.0/24")->nth(256).str(), "10.0.1.0");
}

TEST(Net, Overlap) {
  EXPECT_TRUE(Cidr::parse("10.0.0.0/8")->overlaps(*Cidr::parse("10.244.0.0/16")));
  EXPECT_TRUE(Cidr::parse("10.244.0.0/16")->overlaps(*Cidr::parse("10.0.0.0/8")));
  EXPECT_FALSE(Cidr::parse("10.244.0.0/16")->overlaps(*Cidr::parse("10.96.0.0/12")));
}

TEST(Net, CidrRejectsGarbageAndReportsHostBits) {
  EXPECT_FALSE(Cidr::parse("10.0.0.0"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("10.0.0/8"));
  bool hostBits = false;
  ASSERT_TRUE(Cidr::parse("10.96.0.1/12", &hostBits));
  EXPECT_TRUE(hostBits);
}

TEST(Net, Rfc1123) {
  EXPECT_TRUE(isRfc1123Label("cp1"));
  EXPECT_TRUE(isRfc1123Label("a-b-0"));
  EXPECT_FALSE(isRfc1123Label("CP1"));
  EXPECT_FALSE(isRfc1123Label("-a"));
  EXPECT_FALSE(isRfc1123Label("a_b"));
  EXPECT_FALSE(isRfc1123Label("a;rm -rf /"));
  EXPECT_FALSE(isRfc1123Label(std::string(64, 'a')));
  EXPECT_TRUE(isRfc1123Subdomain("api.example.com"));
  EXPECT_FALSE(isRfc1123Subdomain("api..example"));
}

TEST(Net, SplitHostPort) {
  std::string h;
  int p;
  ASSERT_TRUE(splitHostPort("10.0.0.10:6443", h, p));
  EXPECT_EQ(h, "10.0.0.10");
  EXPECT_EQ(p, 6443);
  ASSERT_TRUE(splitHostPort("[fd00::1]:6443", h, p));
  EXPECT_EQ(h, "fd00::1");
  ASSERT_TRUE(splitHostPort("api.example.com", h, p));
  EXPECT_EQ(p, 0);
  EXPECT_FALSE(splitHostPort("host:99999", h, p));
  EXPECT_FALSE(splitHostPort("host:", h, p));
}
