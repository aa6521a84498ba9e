// Copyright 2026 The OchreDB Authors.
//
// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of every header
// and checkpoint OchreDB writes. Uses the SSE4.2 crc32 instruction when the CPU has it (chosen once
// at run time; the build never assumes it) and a table-driven slicing-by-8 fallback otherwise.
// Both give identical results.
//
// Thread safety: all functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ochre::crc32c {

// Returns the CRC-32C of concat(A, data[0, n)) where init_crc is the CRC-32C of A.
// Extend(0, data, n) is the CRC of data alone.
uint32_t Extend(uint32_t init_crc, const void* data, size_t n);

// The CRC-32C of data[0, n). Value("123456789", 9) == 0xE3069283.
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// True when Extend uses the hardware instruction (for logs and tests).
bool IsHardwareAccelerated();

// The portable implementation, exposed so tests can compare it with the accelerated one.
uint32_t ExtendPortable(uint32_t init_crc, const void* data, size_t n);

}  // namespace ochre::crc32c
