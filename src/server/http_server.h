// Copyright 2026 The OchreDB Authors.
//
// HttpServer: serves the Api over HTTP/1.1 with cpp-httplib (Debian's libcpp-httplib: a thread pool,
// one request per worker at a time, keep-alive). Before routing, every request passes the Host
// allow-list, the smuggling and content-type checks, CORS and token auth; errors get Chroma's JSON
// body and a chroma-trace-id header; each request leaves one access-log line without body or token.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ochre/client.h"
#include "ochre/result.h"
#include "server/api.h"

namespace ochre::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;                    // 0: any free port (see HttpServer::port())
  int threads = 0;                    // worker threads; 0: a default from the core count
  size_t max_body_bytes = 40u << 20;  // Chroma's 40 MiB
  std::string auth_token;             // empty: no authentication
  std::vector<std::string> cors_allow_origins;
  std::vector<std::string> allowed_hosts;  // extra Host header names
  int keep_alive_timeout_sec = 2;          // also bounds how long shutdown waits for idle connections
  int read_timeout_sec = 10;
  ApiLimits limits;
};

class HttpServer {
 public:
  // Binds the socket. `client` must outlive the server. Fails with InvalidArgument / IOError when the
  // address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Create(Client* client, const ServerOptions& options);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  int port() const;
  // Serves until Stop(); returns once in-flight requests have finished and the workers are joined.
  Status Serve();
  // Stops accepting connections. Thread-safe; may be called before or during Serve().
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ochre::server
