// Copyright 2026 The OchreDB Authors.
//
// HttpServer: serves the Api over HTTP/1.1. One event-loop thread (epoll) owns every connection:
// it accepts, reads and frames requests (http_parser.h), parks idle keep-alive sockets, enforces the
// head, body, idle and write timeouts and the connection bound, and writes responses; a pool of
// workers runs only complete requests through the Api. So idle and slow connections cost a socket
// and a buffer, never a worker. Before routing, every request passes the Host allow-list, the
// content-type checks, CORS and token auth (http_exchange.h); errors get Chroma's JSON body and a
// chroma-trace-id header; each request leaves one access-log line without body or token.
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
  int threads = 0;                    // workers running requests; 0: a default from the core count
  size_t max_body_bytes = 40u << 20;  // Chroma's 40 MiB
  std::string auth_token;             // empty: no authentication
  std::vector<std::string> cors_allow_origins;
  std::vector<std::string> allowed_hosts;  // extra Host header names
  int keep_alive_timeout_sec = 60;         // an idle connection is closed after it (sent as a hint)
  int read_timeout_sec = 10;               // a request head must arrive within it; a body may pause this long
  int body_timeout_sec = 120;              // a whole body must arrive within it
  int write_timeout_sec = 30;              // a response may wait this long for the client to read
  // Open connections at most; 0: 10,000, or fewer when the open-file limit is lower (a quarter of
  // it stays for the database). Beyond it the longest-idle connection (answered and waiting, or
  // silent for a second since its accept) is closed, or when none is
  // idle the new one gets a 503 and is closed.
  int max_connections = 0;
  // Bytes of request bodies being read, over all connections, at most: beyond it the request
  // whose body would pass it gets a 503 (many slow uploads cannot exhaust memory).
  size_t max_buffered_body_bytes = size_t{1} << 30;
  ApiLimits limits;
};

class HttpServer {
 public:
  // Binds the socket (exclusively: no SO_REUSEPORT, so a second server on the port fails). `client`
  // must outlive the server. Fails with AlreadyExists when the address is in use, IOError when it
  // cannot be bound otherwise.
  static Result<std::unique_ptr<HttpServer>> Create(Client* client, const ServerOptions& options);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  int port() const;
  // Serves until Stop(); returns once in-flight requests have been answered (up to a few seconds)
  // and the workers are joined.
  Status Serve();
  // Stops accepting connections and makes Serve() return. Thread-safe; may be called before or
  // during Serve(); does not wait.
  void Stop();

  // Counters, for tests and the debug log.
  struct Stats {
    uint64_t accepted = 0;  // connections accepted since Create
    uint64_t refused = 0;   // connections refused over max_connections
    uint64_t evicted = 0;   // idle connections closed to make room
    int open = 0;           // connections open now
    int max_connections = 0;
    // Bytes of request bodies being read, over all connections, at most: beyond it the request
    // whose body would pass it gets a 503 (many slow uploads cannot exhaust memory).
    size_t max_buffered_body_bytes = size_t{1} << 30;
  };
  Stats stats() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ochre::server
