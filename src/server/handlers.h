// Copyright 2026 The OchreDB Authors.
//
// The route handlers behind Api::Handle, grouped by file: handlers_admin.cc (server, tenants,
// databases), handlers_collections.cc, handlers_records.cc. Internal to src/server.
#pragma once

#include <string>
#include <string_view>

#include "ochre/client.h"
#include "server/api.h"
#include "server/http_error.h"

namespace ochre::server {

// Path parameters of the route that matched.
struct RouteArgs {
  std::string tenant;
  std::string database;
  std::string collection;  // a name or a UUID, depending on the route
};

// Response helpers.
ApiResponse JsonReply(std::string body, int status = 200);
ApiResponse ErrorReply(const HttpError& error);
ApiResponse StatusReply(const Status& status);

// Chroma's collection UUID check: accepts the hyphenated and the 32-digit forms, any case, and
// writes the canonical lower-case hyphenated form. False when `text` is not a UUID.
bool CanonicalUuid(std::string_view text, std::string* out);

// handlers_admin.cc
ApiResponse Heartbeat(const Api& api);
ApiResponse Version(const Api& api);
ApiResponse PreFlightChecks(const Api& api);
ApiResponse Healthcheck(const Api& api);
ApiResponse Identity(const Api& api);
ApiResponse Reset(const Api& api);
ApiResponse CreateTenant(const Api& api, const ApiRequest& req);
ApiResponse GetTenant(const Api& api, const RouteArgs& args);
ApiResponse UpdateTenant(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse ListDatabases(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse CreateDatabase(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse GetDatabase(const Api& api, const RouteArgs& args);
ApiResponse DeleteDatabase(const Api& api, const RouteArgs& args);

// handlers_collections.cc
ApiResponse ListCollections(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse CountCollections(const Api& api, const RouteArgs& args);
ApiResponse CreateCollection(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse GetCollectionByName(const Api& api, const RouteArgs& args);
ApiResponse GetCollectionById(const Api& api, const RouteArgs& args);
ApiResponse UpdateCollection(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse DeleteCollection(const Api& api, const RouteArgs& args);

// handlers_records.cc
ApiResponse AddRecords(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse UpdateRecords(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse UpsertRecords(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse DeleteRecords(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse CountRecords(const Api& api, const RouteArgs& args);
ApiResponse GetRecords(const Api& api, const ApiRequest& req, const RouteArgs& args);
ApiResponse QueryRecords(const Api& api, const ApiRequest& req, const RouteArgs& args);

// handlers_search.cc
ApiResponse CollectionIndexingStatus(const Api& api, const RouteArgs& args);
ApiResponse CollectionSearch(const Api& api, const ApiRequest& req, const RouteArgs& args);

}  // namespace ochre::server
