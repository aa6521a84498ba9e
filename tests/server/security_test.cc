// Copyright 2026 The OchreDB Authors.
//
// Host allow-list (DNS rebinding), token extraction and comparison, CORS origin matching.
#include "server/security.h"

#include <gtest/gtest.h>

namespace ochre::server {
namespace {

TEST(HostAllowListTest, LoopbackNamesAndIpLiteralsPass) {
  HostAllowList hosts("127.0.0.1", {});
  for (const char* h :
       {"localhost", "localhost:8000", "LOCALHOST", "127.0.0.1:8000", "[::1]:8000", "10.1.2.3", "", "localhost."}) {
    EXPECT_TRUE(hosts.Allows(h)) << h;
  }
  for (const char* h : {"evil.example", "evil.example:8000", "localhost.evil.example", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(hosts.Allows(h)) << h;
  }
}

TEST(HostAllowListTest, BoundAndConfiguredNames) {
  HostAllowList hosts("db.local", {"api.example.com"});
  EXPECT_TRUE(hosts.Allows("db.local:8000"));
  EXPECT_TRUE(hosts.Allows("api.example.com"));
  EXPECT_FALSE(hosts.Allows("other.example.com"));
  EXPECT_TRUE(HostAllowList("0.0.0.0", {"*"}).Allows("anything.example"));
  EXPECT_FALSE(HostAllowList("0.0.0.0", {}).Allows("anything.example"));
}

TEST(TokenTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(TokenTest, ExtractFromEitherHeader) {
  EXPECT_EQ(ExtractToken("Bearer abc", ""), "abc");
  EXPECT_EQ(ExtractToken("bearer  abc ", ""), "abc");
  EXPECT_EQ(ExtractToken("", "xyz"), "xyz");
  EXPECT_EQ(ExtractToken("Basic dXNlcjpwYXNz", ""), "");
  EXPECT_EQ(ExtractToken("", ""), "");
}

TEST(CorsPolicyTest, ExactOriginsOnly) {
  CorsPolicy off({});
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.AllowOrigin("https://a.example"), "");
  CorsPolicy list({"https://a.example/", "http://localhost:3000"});
  EXPECT_EQ(list.AllowOrigin("https://a.example"), "https://a.example");
  EXPECT_EQ(list.AllowOrigin("http://localhost:3000"), "http://localhost:3000");
  EXPECT_EQ(list.AllowOrigin("https://a.example.evil.example"), "");
  EXPECT_EQ(list.AllowOrigin("null"), "");
  EXPECT_EQ(CorsPolicy({"*"}).AllowOrigin("https://any.example"), "*");
}

TEST(HostTest, LoopbackAndWildcard) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("192.168.1.2"));
  EXPECT_TRUE(IsWildcardHost("0.0.0.0"));
  EXPECT_TRUE(IsWildcardHost("::"));
}

}  // namespace
}  // namespace ochre::server
