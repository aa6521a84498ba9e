// Copyright 2026 The OchreDB Authors.
//
// The request checks that come before any route (RELIABILITY §4): the Host allow-list against DNS
// rebinding, token authentication, and CORS origin matching. Pure functions, so they are unit-tested
// without a socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ochre::server {

// True when `host` is a loopback or wildcard address ("127.0.0.1", "::1", "0.0.0.0", "localhost").
bool IsLoopbackHost(std::string_view host);
bool IsWildcardHost(std::string_view host);

// The Host header check. Allowed: localhost, any IP literal (a rebinding attack needs a DNS name),
// the bound host, and the configured names ("*" allows all). A missing header is allowed (HTTP/1.0
// tools; browsers always send one).
class HostAllowList {
 public:
  HostAllowList(std::string_view bound_host, const std::vector<std::string>& extra);
  bool Allows(std::string_view host_header) const;

 private:
  std::vector<std::string> names_;  // lower-case, without port
  bool any_ = false;
};

// Constant-time equality of two secrets (the time depends only on the longer length).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The token from "Authorization: Bearer <t>" or "X-Chroma-Token: <t>" values (either may be empty).
// Returns "" when neither carries one.
std::string_view ExtractToken(std::string_view authorization, std::string_view x_chroma_token);

// CORS: exact origins, or "*" for any origin (then no credentials are ever allowed).
class CorsPolicy {
 public:
  explicit CorsPolicy(const std::vector<std::string>& origins);
  bool enabled() const { return !origins_.empty() || any_; }
  // The Access-Control-Allow-Origin value for `origin`, or "" when not allowed.
  std::string AllowOrigin(std::string_view origin) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace ochre::server
