// Copyright 2026 The OchreDB Authors.
//
// Imports a Chroma persist directory into a new OchreDB directory through the public API: tenants,
// databases, collections (name, metadata, HNSW configuration, embedding-function descriptor) and
// every live record (id, float32 embedding, document, typed metadata, uri) in Chroma's get order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ochre/result.h"

namespace ochre::interop::chroma {

struct ImportOptions {
  std::string from;  // the Chroma directory (never written)
  std::string path;  // the OchreDB directory: absent or empty
  // Called with (records written, records in total); may be empty.
  std::function<void(int64_t, int64_t)> progress;
};

struct ImportedCollection {
  std::string tenant, database, name;
  int64_t records = 0;
  int64_t vectors_from_hnsw = 0;
  int64_t queue_rows_replayed = 0;
};

struct ImportReport {
  std::vector<ImportedCollection> collections;
  int64_t records = 0;
  int64_t tenants = 0;
  int64_t databases = 0;
};

// Errors: as ReadChromaDirectory, plus AlreadyExists when `path` is not empty (nothing is written
// then); a failure while writing leaves `path` partially filled and says so.
Result<ImportReport> ImportChroma(const ImportOptions& options);

}  // namespace ochre::interop::chroma
