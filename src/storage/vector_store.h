// Copyright 2026 The OchreDB Authors.
//
// VectorStore: the vectors of one collection, as an append-only sequence of rows of `dim` floats.
// Two implementations: VectorFile (vector_file.h), the persistent `vectors.f32` of a collection,
// and MemoryVectorStore (below), heap chunks for the ephemeral client.
//
// Rows go through three states, which map onto the commit protocol (DESIGN.md):
//   appended  (Append)  - written after the current end; counted by size(); not durable, not visible
//   durable   (Sync)    - on disk (no-op in memory)
//   published (Publish) - readable through rows() by index and query threads
// The caller (the API layer) publishes after the SQLite commit that makes the rows committed, and
// before inserting them into the index; TruncateTo rolls back rows whose commit failed. Rows are
// never published by Append, so readers can never observe a row that is later rolled back.
//
// Thread safety: one writer thread at a time calls Append/Sync/TruncateTo/Publish (the caller
// serializes writes to a collection). Any number of reader threads may use rows() concurrently,
// reading row r only if r < rows().rows(). Row pointers stay valid (never move, never unmapped)
// until the store is destroyed; the caller must ensure no reader outlives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/file_identity.h"
#include "common/row_chunks.h"
#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::storage {

class VectorStore {
 public:
  virtual ~VectorStore() = default;

  // The published rows, for readers. The reference is valid for the store's lifetime.
  virtual const RowChunks& rows() const = 0;
  uint32_t dim() const { return rows().dim(); }
  // Rows appended so far, published or not. The next Append writes row size().
  virtual uint32_t size() const = 0;
  // False for the in-memory store.
  virtual bool persistent() const = 0;

  // Writes n rows (n * dim() floats from `data`, which may be freed on return) after the current
  // end and returns the number of the first. The rows are neither durable (see Sync) nor visible
  // (see Publish). n == 0 is a no-op that returns size().
  // Errors: NoSpace (the disk is full: nothing was appended, later appends may succeed),
  // ResourceExhausted (the store is at its row limit), IOError/ReadOnly (after a failed Sync the
  // store is poisoned: every later Append fails until the database is reopened).
  virtual Result<uint32_t> Append(const float* data, uint32_t n) = 0;

  // Makes every appended row durable (fdatasync). A failure poisons a persistent store: this and
  // every later Append or Sync returns an error, because after a failed fsync the kernel may have
  // dropped the dirty pages and a retry could falsely succeed.
  virtual Status Sync() = 0;

  // Rolls back to `rows` rows (an append whose commit failed): the next Append writes row `rows`.
  // Only the logical size shrinks; nothing is unmapped or cut from the file, so pointers readers
  // hold stay valid. If rows < rows().rows() the published count shrinks too (readers holding
  // those rows must not rely on their content afterwards). InvalidArgument if rows > size().
  virtual Status TruncateTo(uint32_t rows) = 0;

  // Makes rows [0, rows) readable through rows(). REQUIRES: rows <= size(); larger values are
  // clamped to size(). Call after the rows' commit point.
  virtual void Publish(uint32_t rows) = 0;

  // Reserves room for `rows` rows in all, when the final size is known beforehand (compaction
  // copying the live rows): the file then takes just that much instead of growing geometrically.
  // Errors as Append's. A no-op in memory.
  virtual Status Reserve(uint32_t rows) { return Status::Ok(); }

  // Lets go of the resident pages of rows [0, end_row): they stay in the kernel's page cache (and
  // on disk) and are mapped again when read. The engine calls it once the graph holds the rows and
  // its searches read them with RowChunks::CopyRow, so that the float rows, which a graph build
  // reads throughout, do not stay in the server's resident memory. Safe alongside the writer and
  // readers (a reader of a released row faults it back in). A no-op in memory.
  virtual void ReleaseResident(uint32_t end_row) {}

  // Gives back the disk space reserved past the last row (up to a chunk, reserved ahead so that
  // appends need not fallocate at every batch). The engine calls it on close, when this is the
  // only open instance of the file; appends after it reserve again. A no-op in memory.
  virtual Status GiveBackReservedSpace() { return Status::Ok(); }

  // --- Several processes on one database ---
  // Rows [0, rows) were committed by another process: makes them readable (mapping what is needed).
  // Never lowers the published count. Safe alongside this process's writer and readers. Corruption
  // when the file is too short for them.
  virtual Status AdoptCommitted(uint32_t rows) {
    if (rows > size()) return Status::Internal("rows committed elsewhere in an in-memory store");
    return Status::Ok();
  }
  // The writer, under the database's commit lock, with `rows` the committed count it just read: the
  // next Append writes row `rows` (overwriting whatever an interrupted writer left past it).
  virtual Status ResetToCommitted(uint32_t rows) { return rows == size() ? Status::Ok() : TruncateTo(rows); }
  // This file's generation is no longer the catalog's: on destruction, if no other process has it
  // open any more, it is removed, together with `companions` (the generation's graph files). A no-op
  // in memory.
  virtual void RetireOnClose(std::vector<std::string> companions) {}
};

// Opens (or creates) the persistent store of a collection at `path` (its `vectors.f32`). See
// VectorFile::Open for the checks and the recovery of an uncommitted tail.
// `truncate_tail` as VectorFile::Open's (only under the database's commit lock: another process may
// be appending past the committed rows).
// `identity`: the collection and generation the file must belong to (file_identity.h).
Result<std::unique_ptr<VectorStore>> OpenFileVectorStore(const std::string& path, uint32_t dim, uint64_t committed_rows,
                                                         bool create, bool truncate_tail = true, bool read_only = false,
                                                         const FileIdentity& identity = {});

// A new, empty in-memory store. InvalidArgument when dim is 0.
Result<std::unique_ptr<VectorStore>> NewMemoryVectorStore(uint32_t dim);

// Heap-backed store of the ephemeral client: chunks of 2^chunk_shift rows allocated as needed.
class MemoryVectorStore final : public VectorStore {
 public:
  // chunk_shift 0 means RowChunks::ChunkShiftFor(dim).
  explicit MemoryVectorStore(uint32_t dim, uint32_t chunk_shift = 0);

  const RowChunks& rows() const override { return rows_; }
  uint32_t size() const override { return size_; }
  bool persistent() const override { return false; }
  Result<uint32_t> Append(const float* data, uint32_t n) override;
  Status Sync() override { return Status::Ok(); }
  Status TruncateTo(uint32_t rows) override;
  void Publish(uint32_t rows) override;

 private:
  RowChunks rows_;
  std::unique_ptr<std::unique_ptr<float[]>[]> chunks_;  // owned memory behind rows_' chunks
  uint32_t allocated_chunks_ = 0;
  uint32_t size_ = 0;
};

}  // namespace ochre::storage
