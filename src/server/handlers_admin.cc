// Copyright 2026 The OchreDB Authors.
//
// Server-level routes (heartbeat, version, pre-flight, health, identity, reset) and tenants and
// databases (CHROMA_SPEC §2.2).
#include "server/handlers.h"
#include "server/json_out.h"
#include "server/request_parsing.h"

namespace ochre::server {
namespace {

void WriteDatabase(JsonOut& out, const DatabaseInfo& db) {
  out.BeginObject();
  out.Key("id");
  out.String(db.id);
  out.Key("name");
  out.String(db.name);
  out.Key("tenant");
  out.String(db.tenant);
  out.EndObject();
}

}  // namespace

ApiResponse Heartbeat(const Api& api) {
  JsonOut out;
  out.BeginObject();
  out.Key("nanosecond heartbeat");  // sic: Chroma's key has a space
  out.Int(api.client()->Heartbeat());
  out.EndObject();
  return JsonReply(out.Take());
}

ApiResponse Version(const Api& api) {
  JsonOut out;
  out.String(api.client()->Version());
  return JsonReply(out.Take());
}

ApiResponse PreFlightChecks(const Api& api) {
  JsonOut out;
  out.BeginObject();
  out.Key("max_batch_size");
  out.Int(api.limits().max_batch_size);
  out.Key("supports_base64_encoding");
  out.Bool(true);
  out.EndObject();
  return JsonReply(out.Take());
}

ApiResponse Healthcheck(const Api& api) {
  return JsonReply(R"({"is_executor_ready":true,"is_log_client_ready":true})");
}

ApiResponse Identity(const Api& api) {
  return JsonReply(R"({"user_id":"","tenant":"default_tenant","databases":["default_database"]})");
}

ApiResponse Reset(const Api& api) {
  Status s = api.client()->Reset();
  if (s.code() == StatusCode::kPermissionDenied) {
    // The engine's message names its C++ setting; the server's switch is a flag.
    ApiResponse r =
        ErrorReply(HttpError::Forbidden("Reset is disabled by config (start the server with --allow-reset)"));
    return r;
  }
  if (!s.ok()) return StatusReply(s);
  return JsonReply("true");
}

ApiResponse CreateTenant(const Api& api, const ApiRequest& req) {
  std::string name;
  HttpError err;
  if (!ParseNameBody(req, &name, &err)) return ErrorReply(err);
  Status s = api.client()->CreateTenant(name);
  if (!s.ok()) return StatusReply(s);
  return JsonReply("{}");
}

ApiResponse GetTenant(const Api& api, const RouteArgs& args) {
  auto t = api.client()->GetTenant(args.tenant);
  if (!t.ok()) return StatusReply(t.status());
  JsonOut out;
  out.BeginObject();
  out.Key("name");
  out.String(*t);
  out.Key("resource_name");
  out.Null();
  out.EndObject();
  return JsonReply(out.Take());
}

ApiResponse UpdateTenant(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  // Chroma stores resource_name only in its cloud; locally the call is a no-op on an existing tenant.
  JsonDocument doc;
  HttpError err;
  if (!doc.Parse(req.body, &err) || !RequireObject(doc.root(), "a JSON object", &err)) return ErrorReply(err);
  auto t = api.client()->GetTenant(args.tenant);
  if (!t.ok()) return StatusReply(t.status());
  return JsonReply("{}");
}

ApiResponse ListDatabases(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  std::optional<int64_t> limit, offset;
  HttpError err;
  if (!ParseLimitOffset(req, &limit, &offset, &err)) return ErrorReply(err);
  auto dbs = api.client()->ListDatabases(limit, offset, args.tenant);
  if (!dbs.ok()) return StatusReply(dbs.status());
  JsonOut out;
  out.BeginArray();
  for (const auto& db : *dbs) WriteDatabase(out, db);
  out.EndArray();
  return JsonReply(out.Take());
}

ApiResponse CreateDatabase(const Api& api, const ApiRequest& req, const RouteArgs& args) {
  std::string name;
  HttpError err;
  if (!ParseNameBody(req, &name, &err)) return ErrorReply(err);
  Status s = api.client()->CreateDatabase(name, args.tenant);
  if (!s.ok()) return StatusReply(s);
  return JsonReply("{}");
}

ApiResponse GetDatabase(const Api& api, const RouteArgs& args) {
  auto db = api.client()->GetDatabase(args.database, args.tenant);
  if (!db.ok()) return StatusReply(db.status());
  JsonOut out;
  WriteDatabase(out, *db);
  return JsonReply(out.Take());
}

ApiResponse DeleteDatabase(const Api& api, const RouteArgs& args) {
  Status s = api.client()->DeleteDatabase(args.database, args.tenant);
  if (!s.ok()) return StatusReply(s);
  return JsonReply("{}");
}

}  // namespace ochre::server
