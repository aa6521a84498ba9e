// Copyright 2026 The OchreDB Authors.
//
// Input validation of the public API, with Chroma's messages where Chroma has one. Everything a
// write could reject is checked here, before anything is embedded or written, so a bad batch
// changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ochre/status.h"
#include "ochre/types.h"

namespace ochre::api {

// Collection and database names: 3-512 characters from [a-zA-Z0-9._-], alphanumeric at both ends,
// no "..", not an IPv4 address.
Status ValidateName(std::string_view name);
Status ValidateTenantName(std::string_view name);

enum class WriteKind : uint8_t { kAdd, kUpsert, kUpdate };
const char* WriteKindName(WriteKind kind);

// Checks a batch's shape and values: ids non-empty and unique, column lengths equal to the ids',
// embeddings finite, metadata keys and values valid (nulls only for update/upsert), strings valid
// UTF-8, at most max_batch records. An add/upsert without embeddings must carry a document for
// every record (they are embedded from their documents).
Status ValidateBatch(const RecordBatch& batch, WriteKind kind, int64_t max_batch);

// One metadata map (record or collection). allow_null: update/upsert semantics (null deletes a key).
Status ValidateMetadata(const Metadata& metadata, bool allow_null, bool is_collection);

Status ValidateUtf8(std::string_view text, std::string_view what);

}  // namespace ochre::api
