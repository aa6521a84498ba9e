// Copyright 2026 The OchreDB Authors.
#include "server/http_exchange.h"

#include <algorithm>
#include <random>
#include <thread>

#include "server/log.h"

namespace ochre::server {
namespace {

// Browsers may send these cross-origin without a preflight; refusing them keeps "simple" requests
// from other sites out (CSRF). Missing Content-Type is JSON, as in Chroma.
bool IsAcceptableContentType(std::string_view content_type) {
  if (content_type.empty()) return true;
  std::string media(content_type.substr(0, content_type.find(';')));
  media.erase(std::remove(media.begin(), media.end(), ' '), media.end());
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  return media == "application/json" || (media.size() > 5 && media.ends_with("+json"));
}

HttpReply MakeError(const HttpError& e, bool close = false) {
  HttpReply r;
  r.status = e.status;
  r.body = e.Body();
  r.close = close;
  r.log_detail = e.message;
  return r;
}

std::string BodyLimitMessage(size_t max_body) {
  return "Request body is larger than this server's limit of " + std::to_string(max_body) + " bytes (--max-body-mb)";
}

}  // namespace

std::string NewTraceId() {
  thread_local std::mt19937_64 rng(std::random_device{}() ^ std::hash<std::thread::id>{}(std::this_thread::get_id()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) {
    id[i] = kHex[(a >> (i * 4)) & 0xf];
    id[16 + i] = kHex[(b >> (i * 4)) & 0xf];
  }
  return id;
}

HttpExchange::HttpExchange(Client* client, const ServerOptions& options)
    : options_(options),
      api_(client, options.limits),
      hosts_(options.host, options.allowed_hosts),
      cors_(options.cors_allow_origins) {}

HttpReply HttpExchange::FramingError(int status, const std::string& message) const {
  if (status == 413) return MakeError({413, "ChromaError", BodyLimitMessage(options_.max_body_bytes)}, true);
  if (status == 400) return MakeError(HttpError::InvalidArgument(message), true);
  return MakeError({status, status == 500 ? "InternalError" : "ChromaError", message}, true);
}

bool HttpExchange::Screen(const HttpRequestHead& head, bool draining, HttpReply* reply,
                          std::vector<std::pair<std::string, std::string>>* cors_headers) const {
  const bool has_body = head.HasBody();
  auto reject = [&](const HttpError& e) {
    *reply = MakeError(e, has_body);
    return true;
  };
  if (!hosts_.Allows(head.Get("host"))) {
    return reject(
        HttpError::InvalidArgument("Host header not allowed (DNS rebinding protection); start the "
                                   "server with --allowed-hosts to accept this name"));
  }
  std::string_view origin = head.Get("origin");
  std::string allow_origin = cors_.AllowOrigin(origin);
  if (!allow_origin.empty()) {
    cors_headers->push_back({"Access-Control-Allow-Origin", allow_origin});
    cors_headers->push_back({"Vary", "Origin"});
    cors_headers->push_back({"Access-Control-Expose-Headers", "chroma-trace-id"});
  }
  if (head.method == "OPTIONS") {
    if (!origin.empty() && allow_origin.empty()) return reject(HttpError::Forbidden("CORS origin not allowed"));
    HttpReply r;
    r.status = 204;
    r.close = has_body;
    if (!allow_origin.empty()) {
      r.headers.push_back({"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"});
      // The requested headers may be echoed: the origin itself has been checked against the list.
      std::string_view requested = head.Get("access-control-request-headers");
      r.headers.push_back(
          {"Access-Control-Allow-Headers",
           requested.empty() ? std::string("Content-Type, Authorization, X-Chroma-Token") : std::string(requested)});
      r.headers.push_back({"Access-Control-Max-Age", "600"});
    }
    r.headers.push_back({"Allow", "GET, POST, PUT, PATCH, DELETE, OPTIONS"});
    *reply = std::move(r);
    return true;
  }
  if ((head.method == "POST" || head.method == "PUT" || head.method == "PATCH") &&
      !IsAcceptableContentType(head.Get("content-type"))) {
    return reject({415, "ChromaError", "Expected request with `Content-Type: application/json`"});
  }
  if (std::string_view coding = head.Get("content-encoding"); !coding.empty() && coding != "identity") {
    return reject({415, "ChromaError", "Compressed request bodies (Content-Encoding) are not accepted"});
  }
  if (draining) {
    *reply = MakeError({503, "ChromaError", "The server is shutting down"}, true);
    return true;
  }
  if (!options_.auth_token.empty() && !Api::IsPublicRoute(head.method == "HEAD" ? "GET" : head.method, head.path)) {
    std::string_view token = ExtractToken(head.Get("authorization"), head.Get("x-chroma-token"));
    if (token.empty()) {
      return reject(HttpError::Unauthorized(
          "Unauthorized: send the token as `Authorization: Bearer <token>` or `X-Chroma-Token: <token>`"));
    }
    if (!ConstantTimeEquals(token, options_.auth_token))
      return reject(HttpError::Unauthorized("Unauthorized: invalid token"));
  }
  if (head.has_content_length && head.content_length > options_.max_body_bytes) {
    *reply = FramingError(413, "");
    return true;
  }
  return false;
}

HttpReply HttpExchange::Dispatch(const HttpRequestHead& head, const std::string& body, size_t body_size) const {
  ApiRequest request;
  // HEAD is answered as GET without the body; GET bodies are read (framing) but never used.
  bool get_like = head.method == "GET" || head.method == "HEAD";
  request.method = head.method == "HEAD" ? std::string_view("GET") : std::string_view(head.method);
  request.path = head.path;
  request.params = head.params;
  request.body = get_like ? std::string_view() : std::string_view(body.data(), body_size);
  request.body_padded = !get_like;
  ApiResponse reply = api_.Handle(request);
  HttpReply r;
  r.status = reply.status;
  r.body = std::move(reply.body);
  r.log_detail = std::move(reply.log_detail);
  return r;
}

std::string HttpExchange::Serialize(const HttpRequestHead* head, const HttpReply& reply, bool keep_alive) const {
  std::string out;
  out.reserve(reply.body.size() + 256);
  out += "HTTP/1.1 ";
  out += std::to_string(reply.status);
  out += ' ';
  out += ReasonPhrase(reply.status);
  out += "\r\n";
  if (reply.status != 204) {
    out += "Content-Type: application/json\r\nContent-Length: ";
    out += std::to_string(reply.body.size());
    out += "\r\n";
  }
  bool has_trace = false;
  for (const auto& [name, value] : reply.headers) {
    has_trace = has_trace || name == "chroma-trace-id";
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (reply.status >= 400 && !has_trace) {
    std::string trace = NewTraceId();
    out += "chroma-trace-id: " + trace + "\r\n";
    if (reply.status == 500 || reply.status == 507) {
      // The client sees a generic message; the log keeps the engine's, under the same trace id.
      Log(LogLevel::kError, "trace " + trace + ": " + (head ? head->method + " " + head->path : std::string("-")) +
                                ": " + reply.log_detail);
    }
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else {
    if (head && head->minor_version == 0) out += "Connection: keep-alive\r\n";
    // Clients keep an idle socket for the hint less a margin (undici: 2 s), so the hint must be
    // well above the margin or the socket is never reused.
    out += "Keep-Alive: timeout=" + std::to_string(options_.keep_alive_timeout_sec) + "\r\n";
  }
  out += "\r\n";
  if (reply.status != 204 && !(head && head->method == "HEAD")) out += reply.body;
  return out;
}

}  // namespace ochre::server
