// Copyright 2026 The OchreDB Authors.
//
// cpp-httplib glue. Why cpp-httplib: it is in Debian, header-plus-library, and its thread-per-
// connection pool is a good fit for an embedded engine whose reads already run in parallel; request
// bodies are parsed by simdjson in the Api, not here.
//
// Responses are sent through a sized content provider rather than set_content(): httplib would
// otherwise gzip/brotli-compress every application/json body for clients that accept it (Node's
// fetch does), which costs more CPU than the request itself and which Chroma does not do.
#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <random>
#include <thread>

#include "server/log.h"
#include "server/security.h"

namespace ochre::server {
namespace {

// The start of the request the current worker thread is serving, for the access log (httplib
// calls the pre-routing handler and the logger on the same thread).
thread_local std::chrono::steady_clock::time_point t_request_start;
// Whether the current request was counted in Impl::in_flight (so the logger uncounts it once).
thread_local bool t_counted = false;

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

void SetJson(httplib::Response& res, int status, std::string body) {
  res.status = status;
  auto data = std::make_shared<std::string>(std::move(body));
  res.set_content_provider(data->size(), "application/json",
                           [data](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(data->data() + offset, length);
                           });
}

void SetError(httplib::Response& res, const HttpError& error) { SetJson(res, error.status, error.Body()); }

bool HasBody(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") ||
         (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
}

// Browsers may send these cross-origin without a preflight; refusing them keeps "simple" requests
// from other sites out (CSRF). Missing Content-Type is JSON, as in Chroma.
bool IsAcceptableContentType(const std::string& content_type) {
  if (content_type.empty()) return true;
  std::string media = content_type.substr(0, content_type.find(';'));
  media.erase(std::remove(media.begin(), media.end(), ' '), media.end());
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  return media == "application/json" || (media.size() > 5 && media.ends_with("+json"));
}

}  // namespace

struct HttpServer::Impl {
  Impl(Client* client, const ServerOptions& o)
      : options(o), api(client, o.limits), hosts(o.host, o.allowed_hosts), cors(o.cors_allow_origins) {}

  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res);
  void Dispatch(const httplib::Request& req, std::string_view body, httplib::Response& res, bool body_padded = false);
  void DispatchWithBody(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  httplib::Server::HandlerResponse OnError(const httplib::Request& req, httplib::Response& res);
  void AccessLog(const httplib::Request& req, const httplib::Response& res);

  ServerOptions options;
  Api api;
  HostAllowList hosts;
  CorsPolicy cors;
  httplib::Server http;
  int port = 0;
  std::atomic<bool> stop_requested{false};
  // Graceful stop: httplib drops response bodies written after Server::stop(), so Stop() first
  // refuses new requests (503) and waits for the counted in-flight ones to be answered.
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  std::atomic<bool> serving{false};
};

httplib::Server::HandlerResponse HttpServer::Impl::PreRoute(const httplib::Request& req, httplib::Response& res) {
  using HandlerResponse = httplib::Server::HandlerResponse;
  t_request_start = std::chrono::steady_clock::now();
  // A rejected request's body is never read, so the connection cannot be reused.
  auto reject = [&](const HttpError& e) {
    if (HasBody(req)) res.set_header("Connection", "close");
    SetError(res, e);
    return HandlerResponse::Handled;
  };
  if (!hosts.Allows(req.get_header_value("Host"))) {
    return reject(
        HttpError::InvalidArgument("Host header not allowed (DNS rebinding protection); start the "
                                   "server with --allowed-hosts to accept this name"));
  }
  if (req.has_header("Transfer-Encoding") && req.has_header("Content-Length")) {
    return reject(HttpError::InvalidArgument("Content-Length and Transfer-Encoding together are not accepted"));
  }
  std::string origin = req.get_header_value("Origin");
  std::string allow_origin = cors.AllowOrigin(origin);
  if (!allow_origin.empty()) {
    res.set_header("Access-Control-Allow-Origin", allow_origin);
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Expose-Headers", "chroma-trace-id");
  }
  if (req.method == "OPTIONS") {
    if (!origin.empty() && allow_origin.empty()) return reject(HttpError::Forbidden("CORS origin not allowed"));
    if (!allow_origin.empty()) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      // The requested headers may be echoed: the origin itself has been checked against the list.
      std::string headers = req.get_header_value("Access-Control-Request-Headers");
      res.set_header("Access-Control-Allow-Headers",
                     headers.empty() ? "Content-Type, Authorization, X-Chroma-Token" : headers);
      res.set_header("Access-Control-Max-Age", "600");
    }
    res.set_header("Allow", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    res.status = 204;
    return HandlerResponse::Handled;
  }
  if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
      !IsAcceptableContentType(req.get_header_value("Content-Type"))) {
    return reject({415, "ChromaError", "Expected request with `Content-Type: application/json`"});
  }
  if (draining) {
    res.set_header("Connection", "close");
    SetError(res, {503, "ChromaError", "The server is shutting down"});
    return HandlerResponse::Handled;
  }
  if (!options.auth_token.empty() && !Api::IsPublicRoute(req.method, req.path)) {
    // get_header_value returns copies: keep them alive while the token view is used.
    std::string authorization = req.get_header_value("Authorization");
    std::string x_chroma_token = req.get_header_value("X-Chroma-Token");
    std::string_view token = ExtractToken(authorization, x_chroma_token);
    if (token.empty()) {
      return reject(HttpError::Unauthorized(
          "Unauthorized: send the token as `Authorization: Bearer <token>` or `X-Chroma-Token: <token>`"));
    }
    if (!ConstantTimeEquals(token, options.auth_token))
      return reject(HttpError::Unauthorized("Unauthorized: invalid token"));
  }
  in_flight.fetch_add(1);
  t_counted = true;
  return HandlerResponse::Unhandled;
}

// httplib 0.11 applies its payload limit only to bodies with a Content-Length: chunked and
// compressed bodies would be read whole. Reading through a ContentReader lets the limit count every
// (decompressed) byte and stop at the first one over.
void HttpServer::Impl::DispatchWithBody(const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& reader) {
  std::string body;
  // One allocation for the whole body (plus the parser's padding) when its length is announced.
  if (req.has_header("Content-Length")) {
    uint64_t announced = 0;
    const std::string length = req.get_header_value("Content-Length");
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), announced);
    if (ec == std::errc() && announced <= options.max_body_bytes) body.reserve(announced + kBodyPadding);
  }
  bool too_big = false;
  bool ok = reader([&](const char* data, size_t n) {
    if (body.size() + n > options.max_body_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big || res.status == 413 || !ok) {
    res.set_header("Connection", "close");  // the rest of the body is still on the wire
    res.set_header("chroma-trace-id", NewTraceId());
    if (too_big || res.status == 413) {
      SetError(res, {413, "ChromaError",
                     "Request body is larger than this server's limit of " + std::to_string(options.max_body_bytes) +
                         " bytes (--max-body-mb)"});
    } else {
      SetError(res, HttpError::InvalidArgument("The request body could not be read"));
    }
    return;
  }
  const size_t size = body.size();
  body.append(kBodyPadding, '\0');  // simdjson reads past the end: parse in place, no copy
  Dispatch(req, std::string_view(body.data(), size), res, /*body_padded=*/true);
}

void HttpServer::Impl::Dispatch(const httplib::Request& req, std::string_view body, httplib::Response& res,
                                bool body_padded) {
  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  request.params = req.params;
  request.body = body;
  request.body_padded = body_padded;
  ApiResponse reply = api.Handle(request);
  if (reply.status >= 500) {
    // The client sees a generic message; the log keeps the engine's, under the same trace id.
    std::string trace = NewTraceId();
    res.set_header("chroma-trace-id", trace);
    Log(LogLevel::kError, "trace " + trace + ": " + req.method + " " + req.path + ": " + reply.log_detail);
  }
  SetJson(res, reply.status, std::move(reply.body));
}

httplib::Server::HandlerResponse HttpServer::Impl::OnError(const httplib::Request& req, httplib::Response& res) {
  if (!res.has_header("chroma-trace-id")) res.set_header("chroma-trace-id", NewTraceId());
  if (res.has_header("Content-Type")) return httplib::Server::HandlerResponse::Unhandled;  // ours, already JSON
  // Errors raised by httplib itself (bad request line, body over the limit, unknown method).
  HttpError e;
  switch (res.status) {
    case 413:
      e = {413, "ChromaError",
           "Request body is larger than this server's limit of " + std::to_string(options.max_body_bytes) +
               " bytes (--max-body-mb)"};
      break;
    case 414:
      e = {414, "ChromaError", "Request URI too long"};
      break;
    case 404:
      e = HttpError::NotFound("Not found");
      break;
    case 400:
      e = HttpError::InvalidArgument("Bad request");
      break;
    default:
      e = {res.status, res.status >= 500 ? "InternalError" : "ChromaError", "HTTP error " + std::to_string(res.status)};
  }
  SetError(res, e);
  return httplib::Server::HandlerResponse::Handled;
}

void HttpServer::Impl::AccessLog(const httplib::Request& req, const httplib::Response& res) {
  // httplib calls the logger after the response is written: the request is no longer in flight.
  if (t_counted) {
    t_counted = false;
    in_flight.fetch_sub(1);
  }
  if (!LogEnabled(LogLevel::kInfo)) return;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_request_start).count();
  char buf[64];
  std::snprintf(buf, sizeof(buf), " %d %.2fms ", res.status, ms);
  // No query string, body, or header: ids and tokens stay out of the log.
  Log(LogLevel::kInfo, req.method + " " + req.path + buf + req.remote_addr);
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(Client* client, const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(client, options);
  Impl* p = impl.get();
  httplib::Server& http = impl->http;
  int threads =
      options.threads > 0 ? options.threads : std::max(32, 8 * static_cast<int>(std::thread::hardware_concurrency()));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options.max_body_bytes);  // Content-Length over it: 413 unread
  http.set_keep_alive_max_count(10000);
  http.set_keep_alive_timeout(options.keep_alive_timeout_sec);
  http.set_read_timeout(options.read_timeout_sec, 0);
  http.set_write_timeout(30, 0);
  http.set_tcp_nodelay(true);
  http.set_pre_routing_handler(
      [p](const httplib::Request& req, httplib::Response& res) { return p->PreRoute(req, res); });
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [p](const httplib::Request& req, httplib::Response& res) { return p->OnError(req, res); }));
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    // Nothing in the server throws on purpose; this catches std::bad_alloc and library surprises.
    Log(LogLevel::kError, "unexpected exception while serving " + req.method + " " + req.path);
    SetError(res, HttpError{500, "InternalError", "Internal error; see the server log"});
  });
  http.set_logger([p](const httplib::Request& req, const httplib::Response& res) { p->AccessLog(req, res); });
  // GET bodies are never read; every other method reads its body through the limit above.
  http.Get(".*", [p](const httplib::Request& req, httplib::Response& res) { p->Dispatch(req, "", res); });
  auto with_body = [p](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    p->DispatchWithBody(req, res, reader);
  };
  http.Post(".*", with_body);
  http.Put(".*", with_body);
  http.Delete(".*", with_body);
  http.Patch(".*", with_body);
  if (options.port == 0) {
    impl->port = http.bind_to_any_port(options.host);
    if (impl->port <= 0) return Status::IOError("cannot bind to " + options.host + " on any port");
  } else {
    if (!http.bind_to_port(options.host, options.port)) {
      return Status::IOError("cannot bind to " + options.host + ":" + std::to_string(options.port) +
                             " (in use, or not an address of this machine)");
    }
    impl->port = options.port;
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

Status HttpServer::Serve() {
  impl_->serving = true;
  if (impl_->stop_requested) return Status::Ok();
  bool ok = impl_->http.listen_after_bind();
  impl_->serving = false;
  if (!ok && !impl_->stop_requested) return Status::IOError("the HTTP server stopped unexpectedly");
  return Status::Ok();
}

void HttpServer::Stop() {
  impl_->stop_requested = true;
  impl_->draining = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Serve() may be between its flag check and httplib's listen loop: wait for the loop to run.
  for (int i = 0; i < 2000; ++i) {
    if (impl_->http.is_running()) {
      impl_->http.stop();
      return;
    }
    if (!impl_->serving) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace ochre::server
