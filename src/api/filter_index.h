// Copyright 2026 The OchreDB Authors.
//
// FilterIndexSlot: one collection's in-memory metadata index (query/metadata_index.h) in a
// DerivedIndexSlot (api/derived_index_slot.h), the protocol that keeps readers from mixing it with
// a catalog state it does not match.
//
// The index is built on the first filtered read (a collection never filtered costs nothing) and
// kept current by the writers, after each commit. Between a write's commit and its Apply the index
// lags the catalog, so every write is bracketed by a version counter (a seqlock): odd from before
// its transaction until after its Apply. A reader notes the version before it evaluates a filter
// and checks it again after its last catalog read: the same even number on both sides means no
// write committed in between, so the rids it got are exactly those its catalog reads saw. Else it
// answers from SQL (the slower path, always right). A build is published only when no write began
// while it read the catalog.
//
// Writers of one collection are serialized by its write lock, which they hold across WriteScope.
#pragma once

#include <cstdint>
#include <memory>

#include "api/derived_index_slot.h"
#include "ochre/result.h"
#include "query/metadata_index.h"
#include "storage/catalog.h"

namespace ochre::api {

struct FilterIndexTraits {
  using Index = query::MetadataIndex;
  using Change = query::MetadataIndex::Change;
  static constexpr const char* kName = "metadata index (filters use SQL)";
  static constexpr bool kRememberFailedBuild = true;  // filters fall back to SQL: no retry per read
  static Result<std::unique_ptr<Index>> Build(storage::SqliteDb* db, int64_t cid);
};

using FilterIndexSlot = DerivedIndexSlot<FilterIndexTraits>;

}  // namespace ochre::api
