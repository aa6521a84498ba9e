// Copyright 2026 The OchreDB Authors.
//
// Fixed-width little-endian encoding of integers and floats, the only way persisted numbers are
// written (STYLE.md 3.3: never dump a struct's bytes). Encode* write into a buffer the caller
// sized; Put* append to a std::string; Decode* read from a buffer of at least the width.
//
// Thread safety: pure functions.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace ochre {

inline void EncodeFixed32(char* dst, uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst, &v, sizeof(v));
  } else {
    for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

inline void EncodeFixed64(char* dst, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst, &v, sizeof(v));
  } else {
    for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

inline uint32_t DecodeFixed32(const char* src) {
  if constexpr (std::endian::native == std::endian::little) {
    uint32_t v;
    std::memcpy(&v, src, sizeof(v));
    return v;
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(src);
    return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  }
}

inline uint64_t DecodeFixed64(const char* src) {
  if constexpr (std::endian::native == std::endian::little) {
    uint64_t v;
    std::memcpy(&v, src, sizeof(v));
    return v;
  } else {
    return uint64_t{DecodeFixed32(src)} | (uint64_t{DecodeFixed32(src + 4)} << 32);
  }
}

inline void EncodeFloat(char* dst, float f) { EncodeFixed32(dst, std::bit_cast<uint32_t>(f)); }
inline float DecodeFloat(const char* src) { return std::bit_cast<float>(DecodeFixed32(src)); }
inline void EncodeDouble(char* dst, double d) { EncodeFixed64(dst, std::bit_cast<uint64_t>(d)); }
inline double DecodeDouble(const char* src) { return std::bit_cast<double>(DecodeFixed64(src)); }

inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst->append(buf, sizeof(buf));
}

inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  EncodeFixed64(buf, v);
  dst->append(buf, sizeof(buf));
}

inline void PutFloat(std::string* dst, float f) { PutFixed32(dst, std::bit_cast<uint32_t>(f)); }

}  // namespace ochre
