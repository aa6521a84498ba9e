// Copyright 2026 The OchreDB Authors.
//
// `ochre copy`: every collection (or the named ones) of one side into the other, a side being a
// local directory or a Chroma API server (copy_endpoint.h). Collections keep their configuration,
// metadata and embedding-function descriptor; records their ids, float32 embeddings, documents,
// metadatas and uris. Adds are sized by the destination's max_batch_size.
//
// Resuming: a state file (default .ochre-copy-<hash of from and to>.json in the working directory)
// names the collections this copy has created at the destination. Re-running the same command
// reads it; for a collection it created, the ids already at the destination are read and only the
// missing records are added (each add is atomic on both sides, so nothing is doubled or lost). A
// destination collection that exists and is not in the state file is refused (AlreadyExists). The
// state file is removed when the copy completes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "interop/copy/copy_endpoint.h"

namespace ochre::interop {

struct CopyOptions {
  std::string from, to;
  EndpointOptions from_options, to_options;
  std::vector<std::string> collections;  // empty: all of the source scope
  std::string state_file;                // empty: the default name above
  // Test hook: stop (Status::Cancelled, resumable) after this many adds.
  std::optional<int64_t> stop_after_batches;
};

struct CopyFigures {
  int64_t collections = 0;
  int64_t records = 0;          // added by this run
  int64_t already_present = 0;  // found at the destination on a resume
  int64_t batches = 0;
  int64_t batch_size = 0;
  bool resumed = false;
  std::string state_file;
};

// `progress(done, total)` after every batch (total: the records of the collections to copy).
using CopyProgress = std::function<void(int64_t done, int64_t total)>;

Result<CopyFigures> Copy(const CopyOptions& options, const CopyProgress& progress = nullptr);

std::string DefaultCopyStateFile(const CopyOptions& options);

}  // namespace ochre::interop
