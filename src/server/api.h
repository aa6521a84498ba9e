// Copyright 2026 The OchreDB Authors.
//
// Api: Chroma's v2 HTTP API over an ochre::Client, independent of the HTTP library. Handle() takes a
// decoded request (method, path, query parameters, body) and returns the status and JSON body to
// send. Each route is translated into one engine call; the handlers decide nothing beyond the wire
// format and the server's request limits. Safe to call from many threads at once (the Client is).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/client.h"
#include "server/http_error.h"

namespace ochre::server {

// Request limits (RELIABILITY §4). Each is a clear 400 when exceeded.
struct ApiLimits {
  int64_t max_n_results = 10000;        // per query vector
  int64_t max_query_results = 1000000;  // n_results x number of query vectors
  size_t max_filter_bytes = 1 << 20;    // JSON text of one where / where_document
  int64_t max_batch_size = 0;           // ids per write; 0: Client::MaxBatchSize()
};

struct ApiRequest {
  std::string_view method;                         // "GET", "POST", ...
  std::string_view path;                           // decoded, e.g. "/api/v2/heartbeat"
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::string_view body;
  // True when body.data() is followed by at least kBodyPadding readable bytes: the JSON parser then
  // reads the body in place instead of copying it into a padded buffer.
  bool body_padded = false;
};

inline constexpr size_t kBodyPadding = 64;

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON text
  // Set for failures so the caller can log the engine's own message (never sent to the client for
  // 5xx) under the trace id.
  std::string log_detail;
};

class Api {
 public:
  // `client` must outlive the Api.
  Api(Client* client, ApiLimits limits);

  ApiResponse Handle(const ApiRequest& request) const;

  // True for the routes that answer without authentication: heartbeat, version, pre-flight-checks.
  static bool IsPublicRoute(std::string_view method, std::string_view path);

  Client* client() const { return client_; }
  const ApiLimits& limits() const { return limits_; }

 private:
  Client* client_;
  ApiLimits limits_;
};

}  // namespace ochre::server
