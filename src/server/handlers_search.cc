// Copyright 2026 The OchreDB Authors.
//
// Routes of Chroma's newer collection API that the local Chroma server does not answer:
// GET .../collections/{id}/indexing_status (IndexStatusResponse: num_indexed_ops,
// num_unindexed_ops, total_ops, op_indexing_progress).
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

}  // namespace

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
