// Copyright 2026 The OchreDB Authors.
//
// Routes of Chroma's newer collection API that the local Chroma server does not answer:
// GET .../collections/{id}/indexing_status (IndexStatusResponse: num_indexed_ops,
// num_unindexed_ops, total_ops, op_indexing_progress), and POST .../collections/{id}/search (the
// Search API: the body is parsed by ParseSearchBatch, evaluated by Collection::Search, and answered
// as Chroma's SearchResponse: {"ids": [[...]], "documents": [null | [...]], "embeddings": ...,
// "metadatas": ..., "scores": ..., "select": [[...]]}, one entry per search in each list).
#include <cmath>

#include "ochre/search.h"
#include "server/handlers.h"
#include "server/json_out.h"
#include "server/request_parsing.h"

namespace ochre::server {
namespace {

// The collection of a record route ({id} is a UUID), or the reply to send instead.
Result<std::shared_ptr<Collection>> CollectionOf(const Api& api, const RouteArgs& args,
                                                 std::optional<ApiResponse>* failure) {
  std::string id;
  if (!CanonicalUuid(args.collection, &id)) {
    *failure = ErrorReply(HttpError::InvalidArgument("Collection ID is not a valid UUIDv4"));
    return Status::InvalidArgument("Collection ID is not a valid UUIDv4");
  }
  auto c = api.client()->GetCollectionById(
      id, GetCollectionOptions{.embedding_function = std::shared_ptr<EmbeddingFunction>(nullptr)},
      Scope{args.tenant, args.database});
  if (!c.ok()) *failure = StatusReply(c.status());
  return c;
}

template <typename T, typename F>
void WriteColumns(JsonOut& out, const char* key, const std::vector<SearchResult>& results,
                  const std::optional<std::vector<T>> SearchResult::*column, F write) {
  out.Key(key);
  out.BeginArray();
  for (const SearchResult& r : results) {
    const auto& c = r.*column;
    if (!c) {
      out.Null();
      continue;
    }
    out.BeginArray();
    for (const T& v : *c) write(v);
    out.EndArray();
  }
  out.EndArray();
}

std::string SearchResponseJson(const std::vector<SearchResult>& results) {
  JsonOut out;
  out.BeginObject();
  out.Key("ids");
  out.BeginArray();
  for (const SearchResult& r : results) out.StringArray(r.ids);
  out.EndArray();
  WriteColumns(out, "documents", results, &SearchResult::documents,
               [&](const std::optional<std::string>& d) { out.OptionalString(d); });
  WriteColumns(out, "embeddings", results, &SearchResult::embeddings, [&](const std::optional<std::vector<float>>& e) {
    if (e) {
      out.FloatRow(e->data(), e->size());
    } else {
      out.Null();
    }
  });
  WriteColumns(out, "metadatas", results, &SearchResult::metadatas,
               [&](const std::optional<Metadata>& m) { out.RecordMetadata(m); });
  // serde_json writes a non-finite f32 as null.
  WriteColumns(out, "scores", results, &SearchResult::scores, [&](const std::optional<float>& s) {
    if (s && std::isfinite(*s)) {
      out.Float(*s);
    } else {
      out.Null();
    }
  });
  out.Key("select");
  out.BeginArray();
  for (const SearchResult& r : results) out.StringArray(r.select);
  out.EndArray();
  out.EndObject();
  return out.Take();
}

}  // namespace

ApiResponse CollectionSearch(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  std::optional<ApiResponse> failure;
  auto c = CollectionOf(api, args, &failure);
  if (!c.ok()) return *failure;
  auto batch = ParseSearchBatch(req.body);
  if (!batch.ok()) return StatusReply(batch.status());
  auto r = (*c)->Search(batch->searches);
  if (!r.ok()) return StatusReply(r.status());
  return JsonReply(SearchResponseJson(*r));
}

ApiResponse CollectionIndexingStatus(const Api& api, const RouteArgs& args) {
  std::optional<ApiResponse> failure;
  auto c = CollectionOf(api, args, &failure);
  if (!c.ok()) return *failure;
  auto s = (*c)->GetIndexingStatus();
  if (!s.ok()) return StatusReply(s.status());
  JsonOut out;
  out.BeginObject();
  out.Key("num_indexed_ops");
  out.Int(s->num_indexed_ops);
  out.Key("num_unindexed_ops");
  out.Int(s->num_unindexed_ops);
  out.Key("total_ops");
  out.Int(s->total_ops);
  out.Key("op_indexing_progress");
  out.Double(s->op_indexing_progress);
  out.EndObject();
  return JsonReply(out.Take());
}

}  // namespace ochre::server
