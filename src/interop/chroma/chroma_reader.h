// Copyright 2026 The OchreDB Authors.
//
// Reads a Chroma persist directory (0.5, 0.6, 1.x) without writing to it: chroma.sqlite3 opened
// read-only and immutable, each vector segment's hnswlib files, and the embeddings_queue tail that
// neither the HNSW files nor the SQLite metadata segment have applied yet. The result is the final
// state of every collection, as Chroma itself would answer get(): live records only, in Chroma's
// get order, each at its latest value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::interop::chroma {

struct ChromaRecord {
  std::string id;
  std::vector<float> embedding;
  std::optional<std::string> document;
  std::optional<std::string> uri;
  Metadata metadata;  // empty: none
};

struct ChromaCollection {
  std::string id;
  std::string name;
  std::string tenant;
  std::string database;
  std::optional<Metadata> metadata;
  CollectionConfigurationUpdate configuration;
  std::vector<ChromaRecord> records;
  // Where the records came from (for the report): HNSW file vectors and queue rows replayed.
  int64_t vectors_from_hnsw = 0;
  int64_t queue_rows_replayed = 0;
};

struct ChromaDatabase {
  std::string tenant;
  std::string name;
};

struct ChromaDirectory {
  std::vector<std::string> tenants;
  std::vector<ChromaDatabase> databases;
  std::vector<ChromaCollection> collections;
};

// The newest migration of each directory this reader knows (Chroma 1.4.4's schema).
inline constexpr int kKnownSysdbVersion = 10;
inline constexpr int kKnownMetadbVersion = 6;
inline constexpr int kKnownQueueVersion = 2;

// Errors: InvalidArgument when `dir` is not a Chroma directory; NotSupported when its schema is newer
// than known (naming the migration); Locked when a process has its files open or a hot journal is
// present; Corruption when its files disagree or a pickle is not the plain one Chroma writes.
// `progress(done, total)` is called as collections are read (may be empty).
Result<ChromaDirectory> ReadChromaDirectory(const std::string& dir,
                                            const std::function<void(int64_t, int64_t)>& progress = {});

// OK when no process has a file of `dir` open (Linux: scans /proc/*/fd) and no hot journal or WAL
// of chroma.sqlite3 is present; Locked naming the process otherwise.
Status CheckNotOpenByChroma(const std::string& dir);

}  // namespace ochre::interop::chroma
