// Copyright 2026 The OchreDB Authors.
//
// ExactScan: exact top-k over the rows of an index that are present, not deleted and (optionally)
// allowed. Shared by FlatIndex and by HnswIndex's fallback for selective filters. It walks 64 rows
// at a time through the bit words of the sets, so an allow-list of a few rows costs little more
// than a pass over its bitmap, and it splits large scans across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/row_bitmap.h"
#include "common/row_chunks.h"
#include "index/distance/space.h"
#include "index/hnsw/chunked_array.h"
#include "index/hnsw/sq8.h"
#include "index/stable_array.h"
#include "index/vector_index.h"

namespace ochre::index {

struct ScanInput {
  const RowChunks* rows = nullptr;
  const QueryDistance* query = nullptr;
  const StableArray<float>* inv_norms = nullptr;  // required for cosine, else unused
  const ConcurrentRowSet* present = nullptr;      // rows in the index
  const ConcurrentRowSet* deleted = nullptr;      // tombstones
  const RowBitmap* allow = nullptr;               // null: every row allowed
  uint32_t high_water = 0;                        // rows >= this are not looked at
  size_t k = 10;
};

// Scans with up to `max_threads` threads once the work (rows x dim) passes kParallelScanFloats.
// Result ascending by (distance, row), at most k entries.
std::vector<Neighbor> ExactScan(const ScanInput& in, int max_threads);

// The same scan over the quantized copy of the rows (index/hnsw/sq8.h): approximate distances, a
// quarter of the bytes read, and no float row touched. The caller re-ranks the result exactly.
// REQUIRES: every present row below in.high_water has its codes; in.rows and in.query unused.
std::vector<Neighbor> QuantizedScan(const ScanInput& in, const Sq8Query& q, const ChunkedArray<uint8_t>& codes,
                                    int max_threads);

// Below this many floats to read a scan runs on the calling thread: a thread start costs tens of
// microseconds, which a scan of 16 MB easily repays.
inline constexpr size_t kParallelScanFloats = size_t{4} << 20;

// Threads to use when the caller does not say: the number of cores.
int DefaultScanThreads();

}  // namespace ochre::index
