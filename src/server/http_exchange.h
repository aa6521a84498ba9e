// Copyright 2026 The OchreDB Authors.
//
// One request's way through the server once its head is parsed, independent of sockets: the checks
// that come before the body is read (Host allow-list, CORS and pre-flight, content type and coding,
// token auth, the body limit), the Api call, and the response bytes (status line, headers, JSON
// body, keep-alive). The event loop (http_server.cc) calls Screen() on its own thread as soon as a
// head is complete, so that a refused request never has its body read, and Dispatch() on a worker.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/api.h"
#include "server/http_error.h"
#include "server/http_parser.h"
#include "server/http_server.h"
#include "server/security.h"

namespace ochre::server {

struct HttpReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length and keep-alive
  std::string body;                                          // JSON; empty for 204
  bool close = false;                                        // close the connection after it
  std::string log_detail;                                    // the engine's message for 5xx
};

class HttpExchange {
 public:
  HttpExchange(Client* client, const ServerOptions& options);

  // The checks before the body. True when the request is answered by *reply (then the body is not
  // read: a reply to a request with a body closes the connection). `cors_headers` receives the
  // CORS response headers that every reply to this request carries.
  bool Screen(const HttpRequestHead& head, bool draining, HttpReply* reply,
              std::vector<std::pair<std::string, std::string>>* cors_headers) const;

  // Runs the Api. `body` holds the body followed by kBodyPadding readable bytes.
  HttpReply Dispatch(const HttpRequestHead& head, const std::string& body, size_t body_size) const;

  // The response bytes. `head` may be null (no request could be parsed). HEAD gets no body.
  std::string Serialize(const HttpRequestHead* head, const HttpReply& reply, bool keep_alive) const;

  // Errors raised by the framing itself (parse errors, timeouts, limits), with Chroma's JSON body.
  HttpReply FramingError(int status, const std::string& message) const;

  const ServerOptions& options() const { return options_; }

 private:
  ServerOptions options_;
  Api api_;
  HostAllowList hosts_;
  CorsPolicy cors_;
};

std::string NewTraceId();

}  // namespace ochre::server
