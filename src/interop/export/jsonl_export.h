// Copyright 2026 The OchreDB Authors.
//
// OchreDB's export format (docs/format/export.md): JSON Lines, version 1. One header line, then per
// collection a "collection" line and its "record" lines; embeddings are base64 of little-endian
// float32, so the round trip is bit-exact. Streams: records are read and written a page at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::interop {

struct ExportFigures {
  int64_t collections = 0;
  int64_t records = 0;
};

// Writes the collections of `scope` in the database at `path` (only `collection` when given) to
// `out`. Errors: those of PersistentClient::Open / GetCollection; IOError when `out` fails.
Result<ExportFigures> ExportJsonl(const std::string& path, const Scope& scope,
                                  const std::optional<std::string>& collection, std::FILE* out);

// Reads an export from `in` into the database at `path`, creating each collection (in its recorded
// tenant and database, which are created when missing). Errors: InvalidArgument naming the line for
// a malformed file; NotSupported for a newer format version; AlreadyExists for a collection that
// exists.
Result<ExportFigures> ImportJsonl(const std::string& path, std::FILE* in);

}  // namespace ochre::interop
