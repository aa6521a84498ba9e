// Copyright 2026 The OchreDB Authors.
//
// Record routes on a collection UUID: add (201), update, upsert, delete, count, get, query, and the
// GetResponse / QueryResponse shapes (CHROMA_SPEC §2.3: columns not included are null).
#include "server/handlers.h"
#include "server/json_out.h"
#include "server/request_parsing.h"

namespace ochre::server {
namespace {

// Resolves the {id} of a record route to a collection handle, or the reply to send instead.
struct Target {
  std::shared_ptr<Collection> collection;
  std::optional<ApiResponse> failure;
};

Target Resolve(const Api& api, const RouteArgs& args) {
  Target t;
  std::string id;
  if (!CanonicalUuid(args.collection, &id)) {
    t.failure = ErrorReply(HttpError::InvalidArgument("Collection ID is not a valid UUIDv4"));
    return t;
  }
  auto c = api.client()->GetCollectionById(
      id, GetCollectionOptions{.embedding_function = std::shared_ptr<EmbeddingFunction>(nullptr)},
      Scope{args.tenant, args.database});
  if (!c.ok()) {
    t.failure = StatusReply(c.status());
  } else {
    t.collection = std::move(c).value();
  }
  return t;
}

template <typename T, typename F>
void WriteColumn(JsonOut& out, const char* key, const std::optional<std::vector<T>>& column, F write) {
  out.Key(key);
  if (!column) {
    out.Null();
    return;
  }
  out.BeginArray();
  for (const auto& v : *column) write(v);
  out.EndArray();
}

void WriteMatrix(JsonOut& out, const FloatMatrix& m) {
  out.BeginArray();
  for (size_t i = 0; i < m.rows(); ++i) out.FloatRow(m.row(i), m.dim());
  out.EndArray();
}

void WriteIncluded(JsonOut& out, const Include& include) {
  out.Key("include");
  out.StringArray(include.Names());
}

// A first guess at a result's JSON size (ids, documents and small metadata), so that the writer
// grows its buffer once or twice rather than a dozen times for a large get.
size_t EstimatedJsonBytes(size_t records, size_t floats) { return 256 + records * 128 + floats * 12; }

std::string GetResultJson(const GetResult& r) {
  JsonOut out;
  out.Reserve(EstimatedJsonBytes(r.ids.size(), r.embeddings ? r.embeddings->data().size() : 0));
  out.BeginObject();
  out.Key("ids");
  out.StringArray(r.ids);
  out.Key("embeddings");
  if (r.embeddings) {
    WriteMatrix(out, *r.embeddings);
  } else {
    out.Null();
  }
  WriteColumn(out, "documents", r.documents, [&](const auto& d) { out.OptionalString(d); });
  WriteColumn(out, "uris", r.uris, [&](const auto& u) { out.OptionalString(u); });
  WriteColumn(out, "metadatas", r.metadatas, [&](const auto& m) { out.RecordMetadata(m); });
  WriteIncluded(out, r.included);
  out.EndObject();
  return out.Take();
}

std::string QueryResultJson(const QueryResult& r) {
  JsonOut out;
  out.BeginObject();
  out.Key("ids");
  out.BeginArray();
  for (const auto& ids : r.ids) out.StringArray(ids);
  out.EndArray();
  WriteColumn(out, "embeddings", r.embeddings, [&](const FloatMatrix& m) { WriteMatrix(out, m); });
  WriteColumn(out, "documents", r.documents, [&](const auto& docs) {
    out.BeginArray();
    for (const auto& d : docs) out.OptionalString(d);
    out.EndArray();
  });
  WriteColumn(out, "uris", r.uris, [&](const auto& uris) {
    out.BeginArray();
    for (const auto& u : uris) out.OptionalString(u);
    out.EndArray();
  });
  WriteColumn(out, "metadatas", r.metadatas, [&](const auto& metas) {
    out.BeginArray();
    for (const auto& m : metas) out.RecordMetadata(m);
    out.EndArray();
  });
  WriteColumn(out, "distances", r.distances, [&](const std::vector<float>& d) { out.FloatRow(d.data(), d.size()); });
  WriteIncluded(out, r.included);
  out.EndObject();
  return out.Take();
}

ApiResponse Write(const Api& api, const ApiRequest& req, const RouteArgs& args, WriteKind kind) {
  RecordBatch batch;
  HttpError err;
  if (!ParseRecordBatch(req, kind, api.limits(), &batch, &err)) return ErrorReply(err);
  Target t = Resolve(api, args);
  if (t.failure) return *t.failure;
  Status s = kind == WriteKind::kAdd      ? t.collection->Add(batch)
             : kind == WriteKind::kUpsert ? t.collection->Upsert(batch)
                                          : t.collection->Update(batch);
  if (!s.ok()) return StatusReply(s);
  return JsonReply("{}", kind == WriteKind::kAdd ? 201 : 200);
}

}  // namespace

ApiResponse AddRecords(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  return Write(api, req, args, WriteKind::kAdd);
}

ApiResponse UpdateRecords(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  return Write(api, req, args, WriteKind::kUpdate);
}

ApiResponse UpsertRecords(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  return Write(api, req, args, WriteKind::kUpsert);
}

ApiResponse DeleteRecords(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  DeleteOptions options;
  bool empty = false;
  HttpError err;
  if (!ParseDelete(req, api.limits(), &options, &empty, &err)) return ErrorReply(err);
  Target t = Resolve(api, args);
  if (t.failure) return *t.failure;
  // Chroma's server answers a body with neither ids nor filters with {"deleted": 0} (CHROMA_SPEC §3.8).
  if (empty) return JsonReply(R"({"deleted":0})");
  auto n = t.collection->Delete(options);
  if (!n.ok()) return StatusReply(n.status());
  return JsonReply(R"({"deleted":)" + std::to_string(*n) + "}");
}

ApiResponse CountRecords(const Api& api, const RouteArgs& args) {
  Target t = Resolve(api, args);
  if (t.failure) return *t.failure;
  auto n = t.collection->Count();
  if (!n.ok()) return StatusReply(n.status());
  return JsonReply(std::to_string(*n));
}

ApiResponse GetRecords(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  GetOptions options;
  HttpError err;
  if (!ParseGet(req, api.limits(), &options, &err)) return ErrorReply(err);
  Target t = Resolve(api, args);
  if (t.failure) return *t.failure;
  auto r = t.collection->Get(options);
  if (!r.ok()) return StatusReply(r.status());
  return JsonReply(GetResultJson(*r));
}

ApiResponse QueryRecords(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  QueryOptions options;
  HttpError err;
  if (!ParseQuery(req, api.limits(), &options, &err)) return ErrorReply(err);
  Target t = Resolve(api, args);
  if (t.failure) return *t.failure;
  auto r = t.collection->Query(options);
  if (!r.ok()) return StatusReply(r.status());
  return JsonReply(QueryResultJson(*r));
}

}  // namespace ochre::server
