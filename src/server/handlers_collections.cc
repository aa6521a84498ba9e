// Copyright 2026 The OchreDB Authors.
//
// Collection routes: list, count, create, get by name, get by id, modify (by UUID), delete (by
// name), and the Collection JSON shape with configuration_json (CHROMA_SPEC §2.3).
#include "server/handlers.h"
#include "server/json_out.h"
#include "server/request_parsing.h"

namespace ochre::server {
namespace {

void WriteConfiguration(JsonOut& out, const CollectionConfiguration& c) {
  out.BeginObject();
  out.Key("hnsw");
  out.BeginObject();
  out.Key("space");
  out.String(SpaceName(c.hnsw.space));
  out.Key("ef_construction");
  out.Int(c.hnsw.ef_construction);
  out.Key("ef_search");
  out.Int(c.hnsw.ef_search);
  out.Key("max_neighbors");
  out.Int(c.hnsw.max_neighbors);
  out.Key("resize_factor");
  out.Double(c.hnsw.resize_factor);
  out.Key("sync_threshold");
  out.Int(c.hnsw.sync_threshold);
  out.EndObject();
  out.Key("spann");
  out.Null();
  out.Key("embedding_function");
  if (!c.embedding_function) {
    out.Null();
  } else {
    const auto& ef = *c.embedding_function;
    out.BeginObject();
    out.Key("type");
    out.String(ef.type);
    if (ef.type == "known") {
      out.Key("name");
      out.String(ef.name);
      out.Key("config");
      // Stored by the engine as the JSON text the client sent (re-serialized by us on the way in).
      out.Raw(ef.config_json.empty() ? "{}" : ef.config_json);
    }
    out.EndObject();
  }
  out.EndObject();
}

}  // namespace

void WriteCollection(JsonOut& out, const CollectionInfo& info) {
  out.BeginObject();
  out.Key("id");
  out.String(info.id);
  out.Key("name");
  out.String(info.name);
  out.Key("configuration_json");
  WriteConfiguration(out, info.configuration);
  out.Key("schema");
  if (info.configuration.schema_json.empty()) {
    out.Null();
  } else {
    out.Raw(info.configuration.schema_json);
  }
  out.Key("metadata");
  out.OptionalMetadata(info.metadata);
  out.Key("dimension");
  if (info.dimension) {
    out.Int(*info.dimension);
  } else {
    out.Null();
  }
  out.Key("tenant");
  out.String(info.tenant);
  out.Key("database");
  out.String(info.database);
  out.Key("log_position");
  out.Int(0);
  out.Key("version");
  out.Int(0);
  out.EndObject();
}

namespace {

Scope ScopeOf(const RouteArgs& args) { return Scope{args.tenant, args.database}; }

GetCollectionOptions NoEmbedding() {
  // The server never embeds: clients send vectors (Chroma's server requires them).
  return GetCollectionOptions{.embedding_function = std::shared_ptr<EmbeddingFunction>(nullptr)};
}

ApiResponse CollectionReply(const Result<std::shared_ptr<Collection>>& c) {
  if (!c.ok()) return StatusReply(c.status());
  auto info = (*c)->Info();
  if (!info.ok()) return StatusReply(info.status());
  JsonOut out;
  WriteCollection(out, *info);
  return JsonReply(out.Take());
}

}  // namespace

ApiResponse ListCollections(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  std::optional<int64_t> limit, offset;
  HttpError err;
  if (!ParseLimitOffset(req, &limit, &offset, &err)) return ErrorReply(err);
  auto list = api.client()->ListCollections(limit, offset, ScopeOf(args));
  if (!list.ok()) return StatusReply(list.status());
  JsonOut out;
  out.BeginArray();
  for (const auto& info : *list) WriteCollection(out, info);
  out.EndArray();
  return JsonReply(out.Take());
}

ApiResponse CountCollections(const Api& api, const RouteArgs& args) {
  auto n = api.client()->CountCollections(ScopeOf(args));
  if (!n.ok()) return StatusReply(n.status());
  return JsonReply(std::to_string(*n));
}

ApiResponse CreateCollection(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  CreateCollectionOptions options;
  HttpError err;
  if (!ParseCreateCollection(req, &options, &err)) return ErrorReply(err);
  return CollectionReply(api.client()->CreateCollection(options, ScopeOf(args)));
}

ApiResponse GetCollectionByName(const Api& api, const RouteArgs& args) {
  return CollectionReply(api.client()->GetCollection(args.collection, NoEmbedding(), ScopeOf(args)));
}

ApiResponse GetCollectionById(const Api& api, const RouteArgs& args) {
  std::string id;
  if (!CanonicalUuid(args.collection, &id)) {
    return ErrorReply(
        HttpError::InvalidArgument("Validation error: collection_id: Invalid collection ID format, expected UUID"));
  }
  return CollectionReply(api.client()->GetCollectionById(id, NoEmbedding(), ScopeOf(args)));
}

ApiResponse UpdateCollection(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  std::string id;
  if (!CanonicalUuid(args.collection, &id)) {
    return ErrorReply(HttpError::InvalidArgument("Collection ID is not a valid UUIDv4"));
  }
  CollectionUpdate update;
  HttpError err;
  if (!ParseUpdateCollection(req, &update, &err)) return ErrorReply(err);
  auto c = api.client()->GetCollectionById(id, NoEmbedding(), ScopeOf(args));
  if (!c.ok()) return StatusReply(c.status());
  Status s = (*c)->Modify(update.new_name, update.new_metadata, update.new_configuration);
  if (!s.ok()) return StatusReply(s);
  return JsonReply("{}");
}

ApiResponse DeleteCollection(const Api& api, const RouteArgs& args) {
  Status s = api.client()->DeleteCollection(args.collection, ScopeOf(args));
  if (!s.ok()) return StatusReply(s);
  return JsonReply("{}");
}

}  // namespace ochre::server
