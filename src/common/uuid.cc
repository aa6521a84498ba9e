// Copyright 2026 The OchreDB Authors.
#include "common/uuid.h"

#include <unistd.h>

#include <cstdint>
#include <random>

namespace ochre {

std::string NewUuid() {
  // One random_device draw seeds a per-thread generator: ids need to be unique, not secret. Seeded
  // again in a child created by fork(): it would otherwise draw the same ids as its parent and its
  // siblings (several processes now create collections in one directory).
  auto seeded = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  };
  thread_local std::mt19937_64 gen = seeded();
  thread_local pid_t seeded_in = ::getpid();
  if (const pid_t now = ::getpid(); now != seeded_in) {
    gen = seeded();
    seeded_in = now;
  }
  uint64_t hi = gen(), lo = gen();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    out.push_back(kHex[(word >> shift) & 0xf]);
  }
  return out;
}

bool IsUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace ochre
