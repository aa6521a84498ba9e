// Copyright 2026 The OchreDB Authors.
#include "storage/vector_store.h"

#include <algorithm>
#include <cstring>

#include "storage/vector_file.h"

namespace ochre::storage {

namespace {
uint64_t MaxRows(uint32_t chunk_shift) {
  return std::min<uint64_t>(uint64_t{RowChunks::kMaxChunks} << chunk_shift, UINT32_MAX);
}
}  // namespace

Result<std::unique_ptr<VectorStore>> OpenFileVectorStore(const std::string& path, uint32_t dim, uint64_t committed_rows,
                                                         bool create, bool truncate_tail, bool read_only,
                                                         const FileIdentity& identity) {
  OCHRE_ASSIGN_OR_RETURN(std::unique_ptr<VectorFile> file,
                         VectorFile::Open(path, dim, committed_rows, create,
                                          /*chunk_shift=*/0, truncate_tail, read_only, identity));
  return std::unique_ptr<VectorStore>(std::move(file));
}

Result<std::unique_ptr<VectorStore>> NewMemoryVectorStore(uint32_t dim) {
  if (dim == 0) return Status::InvalidArgument("vector dimension must be positive");
  return std::unique_ptr<VectorStore>(std::make_unique<MemoryVectorStore>(dim));
}

MemoryVectorStore::MemoryVectorStore(uint32_t dim, uint32_t chunk_shift)
    : rows_(dim, chunk_shift == 0 ? RowChunks::ChunkShiftFor(dim) : chunk_shift),
      chunks_(std::make_unique<std::unique_ptr<float[]>[]>(RowChunks::kMaxChunks)) {}

Result<uint32_t> MemoryVectorStore::Append(const float* data, uint32_t n) {
  if (n == 0) return size_;
  const uint64_t end = uint64_t{size_} + n;
  if (end > MaxRows(rows_.chunk_shift())) {
    return Status::ResourceExhausted("in-memory collection cannot hold more than " +
                                     std::to_string(MaxRows(rows_.chunk_shift())) + " rows");
  }
  const uint32_t rpc = rows_.rows_per_chunk();
  const uint32_t dim = rows_.dim();
  // Chunk memory is left uninitialized: only rows below size_ are ever read. Untouched pages of a
  // large allocation cost no physical memory.
  while (uint64_t{allocated_chunks_} * rpc < end) {
    chunks_[allocated_chunks_] = std::make_unique_for_overwrite<float[]>(size_t{rpc} * dim);
    rows_.SetChunk(allocated_chunks_, chunks_[allocated_chunks_].get());
    ++allocated_chunks_;
  }
  // Copy chunk by chunk: a batch may straddle a boundary.
  uint32_t row = size_;
  const float* src = data;
  while (row < end) {
    const uint32_t in_chunk = row & (rpc - 1);
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(rpc - in_chunk, end - row));
    float* dst = chunks_[row >> rows_.chunk_shift()].get() + size_t{in_chunk} * dim;
    std::memcpy(dst, src, size_t{count} * dim * sizeof(float));
    src += size_t{count} * dim;
    row += count;
  }
  const uint32_t first = size_;
  size_ = static_cast<uint32_t>(end);
  return first;
}

Status MemoryVectorStore::TruncateTo(uint32_t rows) {
  if (rows > size_) {
    return Status::InvalidArgument("cannot truncate to " + std::to_string(rows) + " rows, the store has " +
                                   std::to_string(size_));
  }
  size_ = rows;
  if (rows < rows_.rows()) rows_.PublishRows(rows);
  return Status::Ok();
}

void MemoryVectorStore::Publish(uint32_t rows) { rows_.PublishRows(std::min(rows, size_)); }

}  // namespace ochre::storage
