// Copyright 2026 The OchreDB Authors.
#include "server/security.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace ochre::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "host:port", "[v6]:port", "host" → host (brackets removed), lower-case.
std::string HostPart(std::string_view header) {
  if (!header.empty() && header.front() == '[') {
    size_t close = header.find(']');
    return Lower(header.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  size_t colon = header.find(':');
  if (colon != std::string_view::npos && header.find(':', colon + 1) != std::string_view::npos) {
    return Lower(header);  // a bare IPv6 literal
  }
  return Lower(header.substr(0, colon));
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = HostPart(host);
  if (h == "localhost" || h == "::1") return true;
  unsigned char buf[4];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 && buf[0] == 127;
}

bool IsWildcardHost(std::string_view host) {
  std::string h = HostPart(host);
  return h == "0.0.0.0" || h == "::" || h.empty();
}

HostAllowList::HostAllowList(std::string_view bound_host, const std::vector<std::string>& extra) {
  names_ = {"localhost"};
  if (!IsWildcardHost(bound_host)) names_.push_back(HostPart(bound_host));
  for (const auto& e : extra) {
    if (e == "*") any_ = true;
    names_.push_back(HostPart(e));
  }
}

bool HostAllowList::Allows(std::string_view host_header) const {
  if (any_ || host_header.empty()) return true;
  std::string h = HostPart(host_header);
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost." is the same name
  if (IsIpLiteral(h)) return true;
  return std::find(names_.begin(), names_.end(), h) != names_.end();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  size_t n = std::max(a.size(), b.size());
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | (x ^ y);
  }
  return diff == 0;
}

std::string_view ExtractToken(std::string_view authorization, std::string_view x_chroma_token) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  authorization = trim(authorization);
  if (authorization.size() > 7 && Lower(authorization.substr(0, 7)) == "bearer ") {
    return trim(authorization.substr(7));
  }
  return trim(x_chroma_token);
}

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins) {
  for (const auto& o : origins) {
    if (o == "*") {
      any_ = true;
    } else if (!o.empty()) {
      std::string s = o;
      while (!s.empty() && s.back() == '/') s.pop_back();  // "https://a.example/" names the origin too
      origins_.push_back(s);
    }
  }
}

std::string CorsPolicy::AllowOrigin(std::string_view origin) const {
  if (origin.empty()) return "";
  if (any_) return "*";
  for (const auto& o : origins_) {
    if (o == origin) return o;  // exact, case-sensitive: origins are compared as strings by browsers
  }
  return "";
}

}  // namespace ochre::server
