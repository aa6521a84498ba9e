// Copyright 2026 The OchreDB Authors.
//
// Turning request bodies and query strings into the engine's option structs. Internal to
// src/server; each function fills *err and returns false on a malformed request.
#pragma once

#include <optional>
#include <string>

#include "ochre/client.h"
#include "server/api.h"
#include "server/http_error.h"
#include "server/json_in.h"

namespace ochre::server {

// ?limit=&offset= as non-negative integers (axum's Query rejection is a 400).
bool ParseLimitOffset(const ApiRequest& req, std::optional<int64_t>* limit, std::optional<int64_t>* offset,
                      HttpError* err);

// {"name": ...} of tenant and database creation.
bool ParseNameBody(const ApiRequest& req, std::string* name, HttpError* err);

// CreateCollectionPayload. The embedding function is always null: the server never embeds.
bool ParseCreateCollection(const ApiRequest& req, CreateCollectionOptions* out, HttpError* err);

struct CollectionUpdate {
  std::optional<std::string> new_name;
  std::optional<Metadata> new_metadata;
  std::optional<CollectionConfigurationUpdate> new_configuration;
};
bool ParseUpdateCollection(const ApiRequest& req, CollectionUpdate* out, HttpError* err);

// Add / upsert (`embeddings` required) and update (optional, null entries allowed).
enum class WriteKind { kAdd, kUpsert, kUpdate };
bool ParseRecordBatch(const ApiRequest& req, WriteKind kind, const ApiLimits& limits, RecordBatch* out, HttpError* err);

bool ParseGet(const ApiRequest& req, const ApiLimits& limits, GetOptions* out, HttpError* err);
bool ParseQuery(const ApiRequest& req, const ApiLimits& limits, QueryOptions* out, HttpError* err);
// *empty: the body names neither ids nor a filter (Chroma answers {"deleted": 0} without deleting).
bool ParseDelete(const ApiRequest& req, const ApiLimits& limits, DeleteOptions* out, bool* empty, HttpError* err);

}  // namespace ochre::server
