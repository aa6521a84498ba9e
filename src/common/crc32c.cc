// Copyright 2026 The OchreDB Authors.
#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define OCHRE_CRC32C_X86 1
#include <nmmintrin.h>
#endif

namespace ochre::crc32c {

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// tables[k][b]: the CRC contribution of byte b followed by k zero bytes (slicing-by-8).
constexpr std::array<std::array<uint32_t, 256>, 8> MakeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? kPoly : 0u);
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
  return t;
}

constexpr auto kTables = MakeTables();

inline uint32_t LoadLE32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

#if OCHRE_CRC32C_X86
// The crc32 instruction has a latency of three cycles and a throughput of one, so one dependent
// chain runs at a third of its speed (10 GB/s measured, which was the whole cost of checking a
// collection's rows at open). Long inputs are cut into three streams of a stride each, run as three
// independent chains, and joined: the CRC state is linear over GF(2), so the state after A then B
// is Shift_|B|(state after A) ^ (state of B alone from 0), where Shift_L is the state after L zero
// bytes. Shift_L is applied by four table lookups (one per byte of the state), built once.
constexpr size_t kLongStride = 8192;
constexpr size_t kShortStride = 256;

struct ShiftTable {
  uint32_t t[4][256];
  uint32_t Apply(uint32_t crc) const {
    return t[0][crc & 0xFF] ^ t[1][(crc >> 8) & 0xFF] ^ t[2][(crc >> 16) & 0xFF] ^ t[3][crc >> 24];
  }
};

__attribute__((target("sse4.2"))) ShiftTable MakeShiftTable(size_t zero_bytes) {
  uint32_t basis[32];
  for (int bit = 0; bit < 32; ++bit) {
    uint64_t crc = uint32_t{1} << bit;
    for (size_t i = 0; i < zero_bytes / 8; ++i) crc = _mm_crc32_u64(crc, 0);
    basis[bit] = static_cast<uint32_t>(crc);
  }
  ShiftTable table{};
  for (int byte = 0; byte < 4; ++byte) {
    for (uint32_t v = 0; v < 256; ++v) {
      uint32_t out = 0;
      for (int b = 0; b < 8; ++b) {
        if ((v >> b) & 1u) out ^= basis[byte * 8 + b];
      }
      table.t[byte][v] = out;
    }
  }
  return table;
}

const ShiftTable& LongShift() {
  static const ShiftTable table = MakeShiftTable(kLongStride);
  return table;
}
const ShiftTable& ShortShift() {
  static const ShiftTable table = MakeShiftTable(kShortStride);
  return table;
}

// Three chains over p[0, 3 * stride) from state `crc`; returns the state after them.
__attribute__((target("sse4.2"))) inline uint64_t ThreeStreams(uint64_t crc, const uint8_t* p, size_t stride,
                                                               const ShiftTable& shift) {
  uint64_t c1 = 0, c2 = 0;
  for (size_t i = 0; i < stride; i += 8) {
    uint64_t w0, w1, w2;
    std::memcpy(&w0, p + i, 8);
    std::memcpy(&w1, p + stride + i, 8);
    std::memcpy(&w2, p + 2 * stride + i, 8);
    crc = _mm_crc32_u64(crc, w0);
    c1 = _mm_crc32_u64(c1, w1);
    c2 = _mm_crc32_u64(c2, w2);
  }
  return shift.Apply(shift.Apply(static_cast<uint32_t>(crc)) ^ static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
}

// Compiled for SSE4.2 through the target attribute, so the rest of the program keeps the baseline
// instruction set; it only runs after the CPU check in Extend.
__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t init_crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t crc = ~init_crc;
  // Head bytes until p is 8-byte aligned, then three streams while they fit, then 8 bytes at a
  // time, then the tail.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7u) != 0) {
    crc = _mm_crc32_u8(static_cast<uint32_t>(crc), *p++);
    --n;
  }
  for (size_t stride : {kLongStride, kShortStride}) {
    if (n < 3 * stride) continue;
    const ShiftTable& shift = stride == kLongStride ? LongShift() : ShortShift();
    while (n >= 3 * stride) {
      crc = ThreeStreams(crc, p, stride, shift);
      p += 3 * stride;
      n -= 3 * stride;
    }
  }
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = _mm_crc32_u8(static_cast<uint32_t>(crc), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(crc);
}

bool CpuHasSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

uint32_t ExtendPortable(uint32_t init_crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t crc = ~init_crc;
  while (n >= 8) {
    const uint32_t lo = LoadLE32(p) ^ crc;
    const uint32_t hi = LoadLE32(p + 4);
    crc = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^ kTables[4][lo >> 24] ^
          kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^ kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFF];
    --n;
  }
  return ~crc;
}

bool IsHardwareAccelerated() {
#if OCHRE_CRC32C_X86
  static const bool has = CpuHasSse42();
  return has;
#else
  return false;
#endif
}

uint32_t Extend(uint32_t init_crc, const void* data, size_t n) {
#if OCHRE_CRC32C_X86
  if (IsHardwareAccelerated()) return ExtendSse42(init_crc, data, n);
#endif
  return ExtendPortable(init_crc, data, n);
}

}  // namespace ochre::crc32c
