// Copyright 2026 The OchreDB Authors.
//
// The route table of Chroma's v2 API (CHROMA_SPEC §2.2), matched segment by segment rather than by
// regular expressions: a request is routed in a few string compares. Note Chroma's quirk, kept here:
// GET and DELETE of /collections/{x} take the collection's name, PUT and the record routes its UUID.
#include <cctype>
#include <span>

#include "server/handlers.h"

namespace ochre::server {
namespace {

constexpr std::string_view kV2 = "/api/v2";
constexpr std::string_view kV1 = "/api/v1";

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // a trailing slash
  return out;
}

ApiResponse MethodNotAllowed() { return ErrorReply({405, "ChromaError", "Method not allowed"}); }
ApiResponse RouteNotFound() { return ErrorReply(HttpError::NotFound("Not found")); }

// Routes that Chroma defines but answers 501 locally (fork, functions), with the local server's
// status and message, so that clients report "unsupported" rather than a missing collection.
// `s` is collections/{id}/...
bool NotForLocalChroma(std::string_view m, std::span<const std::string_view> s, ApiResponse* out) {
  auto reply = [&](const HttpError& e) {
    std::string id;
    *out = ErrorReply(CanonicalUuid(s[1], &id) ? e : HttpError::InvalidArgument("Collection ID is not a valid UUIDv4"));
    return true;
  };
  const HttpError functions{501, "ChromaError", "Attached function operations are not implemented in local chroma"};
  if (s.size() == 3 && s[2] == "fork" && m == "POST") {
    return reply({501, "ChromaError", "Collection forking is unsupported for local chroma"});
  }
  if (s.size() == 3 && s[2] == "fork_count" && m == "GET") {
    return reply({501, "ChromaError", "Count forks is unsupported for local chroma"});
  }
  if (s.size() == 4 && s[2] == "functions" && s[3] == "attach" && m == "POST") return reply(functions);
  if (s.size() == 4 && s[2] == "functions" && m == "GET")
    return reply(HttpError::NotFound("Attached function not found"));
  if (s.size() == 5 && s[2] == "attached_functions" && s[4] == "detach" && m == "POST") return reply(functions);
  return false;
}

// /tenants/{t}/databases/{d}/collections[...] after the database segments.
ApiResponse RouteCollections(const Api& api, const ApiRequest& req, std::span<const std::string_view> s,
                             RouteArgs& args) {
  std::string_view m = req.method;
  if (s.empty()) return RouteNotFound();
  if (s[0] == "collections_count" && s.size() == 1) {
    return m == "GET" ? CountCollections(api, args) : MethodNotAllowed();
  }
  if (s[0] != "collections") return RouteNotFound();
  if (s.size() == 1) {
    if (m == "GET") return ListCollections(api, req, args);
    if (m == "POST") return CreateCollection(api, req, args);
    return MethodNotAllowed();
  }
  if (s.size() == 3 && s[1] == "by-id") {
    args.collection = std::string(s[2]);
    return m == "GET" ? GetCollectionById(api, args) : MethodNotAllowed();
  }
  args.collection = std::string(s[1]);
  if (s.size() == 2) {
    if (m == "GET") return GetCollectionByName(api, args);
    if (m == "PUT") return UpdateCollection(api, req, args);
    if (m == "DELETE") return DeleteCollection(api, args);
    return MethodNotAllowed();
  }
  if (ApiResponse r; NotForLocalChroma(m, s, &r)) return r;
  if (s.size() != 3) return RouteNotFound();
  std::string_view op = s[2];
  if (op == "count") return m == "GET" ? CountRecords(api, args) : MethodNotAllowed();
  if (op == "indexing_status") return m == "GET" ? CollectionIndexingStatus(api, args) : MethodNotAllowed();
  if (m != "POST") {
    if (op == "add" || op == "update" || op == "upsert" || op == "delete" || op == "get" || op == "query" ||
        op == "search") {
      return MethodNotAllowed();
    }
    return RouteNotFound();
  }
  if (op == "add") return AddRecords(api, req, args);
  if (op == "update") return UpdateRecords(api, req, args);
  if (op == "upsert") return UpsertRecords(api, req, args);
  if (op == "delete") return DeleteRecords(api, req, args);
  if (op == "get") return GetRecords(api, req, args);
  if (op == "query") return QueryRecords(api, req, args);
  if (op == "search") return CollectionSearch(api, req, args);
  return RouteNotFound();
}

}  // namespace

ApiResponse JsonReply(std::string body, int status) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ApiResponse ErrorReply(const HttpError& error) {
  ApiResponse r;
  r.status = error.status;
  r.body = error.Body();
  r.log_detail = error.message;
  return r;
}

ApiResponse StatusReply(const Status& status) {
  ApiResponse r = ErrorReply(HttpError::FromStatus(status));
  r.log_detail = status.ToString();
  return r;
}

bool CanonicalUuid(std::string_view text, std::string* out) {
  std::string hex;
  if (text.size() == 36) {
    for (size_t i = 0; i < text.size(); ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (text[i] == '-')) return false;
      if (!dash) hex.push_back(text[i]);
    }
  } else if (text.size() == 32) {
    hex = std::string(text);
  } else {
    return false;
  }
  for (char& c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  *out = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
  return true;
}

Api::Api(Client* client, ApiLimits limits) : client_(client), limits_(limits) {
  if (limits_.max_batch_size <= 0) limits_.max_batch_size = client_->MaxBatchSize();
}

bool Api::IsPublicRoute(std::string_view method, std::string_view path) {
  if (method != "GET") return false;
  return path == "/api/v2" || path == "/api/v2/" || path == "/api/v2/heartbeat" || path == "/api/v2/version" ||
         path == "/api/v2/pre-flight-checks";
}

ApiResponse Api::Handle(const ApiRequest& req) const {
  std::string_view path = req.path;
  if (path.substr(0, kV1.size()) == kV1 && (path.size() == kV1.size() || path[kV1.size()] == '/')) {
    return ErrorReply({410, "Unimplemented", "The v1 API is deprecated. Please use /v2 apis"});
  }
  if (path.substr(0, kV2.size()) != kV2 || (path.size() > kV2.size() && path[kV2.size()] != '/')) {
    return RouteNotFound();
  }
  std::vector<std::string_view> seg = Split(path.substr(kV2.size() + (path.size() > kV2.size() ? 1 : 0)));
  std::string_view m = req.method;
  size_t n = seg.size();
  if (n == 0 || (n == 1 && seg[0] == "heartbeat")) return m == "GET" ? Heartbeat(*this) : MethodNotAllowed();
  if (n == 1) {
    if (seg[0] == "version") return m == "GET" ? Version(*this) : MethodNotAllowed();
    if (seg[0] == "pre-flight-checks") return m == "GET" ? PreFlightChecks(*this) : MethodNotAllowed();
    if (seg[0] == "healthcheck") return m == "GET" ? Healthcheck(*this) : MethodNotAllowed();
    if (seg[0] == "reset") return m == "POST" ? Reset(*this) : MethodNotAllowed();
    if (seg[0] == "tenants") return m == "POST" ? CreateTenant(*this, req) : MethodNotAllowed();
    return RouteNotFound();
  }
  if (n == 2 && seg[0] == "auth" && seg[1] == "identity") return m == "GET" ? Identity(*this) : MethodNotAllowed();
  if (seg[0] != "tenants") return RouteNotFound();
  RouteArgs args;
  args.tenant = std::string(seg[1]);
  if (n == 2) {
    if (m == "GET") return GetTenant(*this, args);
    if (m == "PATCH") return UpdateTenant(*this, req, args);
    return MethodNotAllowed();
  }
  if (seg[2] != "databases") return RouteNotFound();
  if (n == 3) {
    if (m == "GET") return ListDatabases(*this, req, args);
    if (m == "POST") return CreateDatabase(*this, req, args);
    return MethodNotAllowed();
  }
  args.database = std::string(seg[3]);
  if (n == 4) {
    if (m == "GET") return GetDatabase(*this, args);
    if (m == "DELETE") return DeleteDatabase(*this, args);
    return MethodNotAllowed();
  }
  return RouteCollections(*this, req, std::span<const std::string_view>(seg).subspan(4), args);
}

}  // namespace ochre::server
