// Copyright 2026 The OchreDB Authors.
#include "api/filter_index.h"

#include "api/stored_metadata.h"

namespace ochre::api {

Result<std::unique_ptr<query::MetadataIndex>> FilterIndexTraits::Build(storage::SqliteDb* db, int64_t cid) {
  return query::MetadataIndex::Build(db, cid, &DecodeStoredMetadata);
}

}  // namespace ochre::api
