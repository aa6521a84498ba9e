// Copyright 2026 The OchreDB Authors.
//
// The server in-process: an EphemeralClient behind HttpServer on a free loopback port, driven with
// httplib's client. Covers what the Node tests cannot see from outside: Stop() ending Serve(), and
// the Api's translation on a few routes.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "ochre/client.h"

namespace ochre::server {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options) {
    auto client = EphemeralClient::Open(Settings{.allow_reset = true});
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
    ASSERT_TRUE(client_->Reset().ok());
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 4;
    auto server = HttpServer::Create(client_.get(), options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    serving_ = std::thread([this] { served_ = server_->Serve(); });
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (serving_.joinable()) serving_.join();
    EXPECT_TRUE(served_.ok()) << served_.ToString();
  }

  httplib::Result Post(const std::string& path, const std::string& body, httplib::Headers headers = {}) {
    return http_->Post(path, headers, body, "application/json");
  }

  std::unique_ptr<Client> client_;
  std::unique_ptr<HttpServer> server_;
  std::thread serving_;
  Status served_;
  std::unique_ptr<httplib::Client> http_;
};

// A raw loopback connection, for what an HTTP library would never send.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConn() {
    if (fd_ >= 0) close(fd_);
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;
  RawConn(RawConn&& o) noexcept : fd_(o.fd_), connected_(o.connected_) { o.fd_ = -1; }

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads until `marker` has been seen (after the head, the body: reads until the socket is quiet
  // or closed), the peer closes, or `limit` passes (a generous bound against hangs; nothing asserts
  // on time).
  std::string ReadResponse(std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      // Once a complete response has arrived, a short quiet period ends the read.
      size_t head_end = out.find("\r\n\r\n");
      bool complete = head_end != std::string::npos && Complete(out, head_end);
      int wait = complete ? 0 : static_cast<int>(left.count());
      if (poll(&p, 1, wait) <= 0) break;
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  static bool Complete(const std::string& out, size_t head_end) {
    size_t cl = out.find("Content-Length: ");
    if (cl == std::string::npos || cl > head_end) return true;
    size_t n = std::stoul(out.substr(cl + 16));
    return out.size() >= head_end + 4 + n;
  }
  int fd_ = -1;
  bool connected_ = false;
};

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

constexpr const char* kCollections = "/api/v2/tenants/default_tenant/databases/default_database/collections";

TEST_F(HttpServerTest, HeartbeatAndV1) {
  Start({});
  auto r = http_->Get("/api/v2/heartbeat");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.rfind("{\"nanosecond heartbeat\":", 0), 0u) << r->body;
  r = http_->Get("/api/v1/heartbeat");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 410);
  EXPECT_EQ(r->body, R"({"error":"Unimplemented","message":"The v1 API is deprecated. Please use /v2 apis"})");
  EXPECT_TRUE(r->has_header("chroma-trace-id"));
}

TEST_F(HttpServerTest, CollectionRoundTrip) {
  Start({});
  auto r = Post(kCollections, R"({"name": "round-trip", "metadata": {"k": 1.0}})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("metadata":{"k":1.0})"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("spann":null,"embedding_function":null)"), std::string::npos) << r->body;
  std::string id = r->body.substr(r->body.find("\"id\":\"") + 6, 36);
  r = Post(std::string(kCollections) + "/" + id + "/add",
           R"({"ids": ["a", "b"], "embeddings": [[1, 0], "AAAAAAAAgD8="]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->body, "{}");
  r = Post(std::string(kCollections) + "/" + id + "/query",
           R"({"query_embeddings": [[0, 1]], "n_results": 1, "include": ["distances"]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(
      r->body,
      R"({"ids":[["b"]],"embeddings":null,"documents":null,"uris":null,"metadatas":null,"distances":[[0.0]],"include":["distances"]})");
  r = http_->Get(std::string(kCollections) + "/" + id + "/count");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "2");
  r = Post(std::string(kCollections) + "/" + id + "/delete", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"deleted":0})");
}

TEST_F(HttpServerTest, TokenHostAndBodyLimit) {
  ServerOptions options;
  options.auth_token = "a-token-that-is-longer-than-sso-buffers";
  options.max_body_bytes = 1024;
  Start(options);
  auto r = http_->Get("/api/v2/version");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "version needs no token";
  r = http_->Get(kCollections);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = http_->Get(kCollections, {{"Authorization", "Bearer " + options.auth_token}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = http_->Get("/api/v2/heartbeat", {{"Host", "evil.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = Post(kCollections, "{\"name\": \"" + std::string(4096, 'x') + "\"}", {{"X-Chroma-Token", options.auth_token}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("ChromaError"), std::string::npos);
}

TEST_F(HttpServerTest, StopEndsServeWhileIdle) {
  Start({});
  ASSERT_TRUE(http_->Get("/api/v2/heartbeat"));
  server_->Stop();
  serving_.join();
  EXPECT_TRUE(served_.ok());
}

TEST_F(HttpServerTest, SecondServerOnThePortFails) {
  Start({});
  ServerOptions again;
  again.host = "127.0.0.1";
  again.port = server_->port();
  auto second = HttpServer::Create(client_.get(), again);
  ASSERT_FALSE(second.ok()) << "two servers on one port would split clients between two databases";
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists) << second.status().ToString();
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status().message();
  auto r = http_->Get("/api/v2/heartbeat");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// Each is answered at once, without its body ever being sent (the previous library waited for
// the read timeout, 10 s, on several of them).
TEST_F(HttpServerTest, BadFramingIsAnsweredAtOnce) {
  ServerOptions options;
  options.max_body_bytes = 1 << 20;
  Start(options);
  const std::string post = "POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  struct Case {
    std::string request;
    int status;
  };
  const Case cases[] = {
      {post + "Content-Length: -1\r\n\r\n", 400},
      {post + "Content-Length: ' 5'\r\n\r\n", 400},
      {post + "Content-Length:\r\n\r\n", 400},
      {post + "Content-Length: 99999999999999999999\r\n\r\n", 400},
      {post + "Content-Length: 18446744073709551616\r\n\r\n", 400},
      {post + "Content-Length: abc\r\n\r\n", 400},
      {post + "Content-Length: 0x10\r\n\r\n", 400},
      {post + "Content-Length: +2\r\n\r\n", 400},
      {post + "Content-Length: 2, 2\r\n\r\n", 400},
      {post + "Content-Length: 1073741824\r\n\r\n", 413},
      {post + "Host: evil.example\r\nContent-Length: 2\r\n\r\n{}", 400},
      {post + "X-Chroma-Token: abc" + std::string(1, '\0') + "\r\nContent-Length: 2\r\n\r\n{}", 400},
      {post + "X-A: \x01\r\nContent-Length: 2\r\n\r\n{}", 400},
      {post + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}", 400},
      {"GET /api/v2/heartbeat HTTP/1.1\r\n\r\n", 400},
      {"GARBAGE\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    RawConn conn(server_->port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(conn.Send(c.request));
    std::string response = conn.ReadResponse();
    EXPECT_EQ(StatusOf(response), c.status) << c.request << "\n=> " << response;
    EXPECT_NE(response.find("chroma-trace-id: "), std::string::npos) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
  }
  // Chunked bodies work, and are limited like any other.
  RawConn chunked(server_->port());
  ASSERT_TRUE(
      chunked.Send("POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\n{\"nam\r\nb\r\ne\": \"tnt1\"}\r\n0\r\n\r\n"));
  std::string created = chunked.ReadResponse();
  EXPECT_EQ(StatusOf(created), 200) << created;
  RawConn too_big(server_->port());
  ASSERT_TRUE(
      too_big.Send("POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "200000\r\n"));
  EXPECT_EQ(StatusOf(too_big.ReadResponse()), 413);
  // Pipelined requests are answered in order on one connection.
  RawConn pipelined(server_->port());
  std::string hb = "GET /api/v2/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(pipelined.Send(hb + hb + hb));
  std::string three;
  for (int i = 0; i < 10 && std::count(three.begin(), three.end(), '"') < 6; ++i) three += pipelined.ReadResponse();
  EXPECT_EQ(std::count(three.begin(), three.end(), '"'), 6) << three;
}

TEST_F(HttpServerTest, SlowHeadsTimeOut) {
  ServerOptions options;
  options.read_timeout_sec = 1;
  Start(options);
  RawConn slow(server_->port());
  ASSERT_TRUE(slow.Send("GET /api/v2/heartbeat HTTP/1.1\r\nHost: 127"));
  EXPECT_EQ(StatusOf(slow.ReadResponse()), 408);
  RawConn slow_body(server_->port());
  ASSERT_TRUE(slow_body.Send("POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n{"));
  EXPECT_EQ(StatusOf(slow_body.ReadResponse()), 408);
}

TEST_F(HttpServerTest, KeepAliveClientUsesOneConnection) {
  Start({});
  http_->set_keep_alive(true);
  for (int i = 0; i < 200; ++i) {
    auto r = http_->Get("/api/v2/heartbeat");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    ASSERT_NE(r->get_header_value("Keep-Alive").find("timeout=60"), std::string::npos);
  }
  EXPECT_EQ(server_->stats().accepted, 1u);
}

// Hundreds of idle keep-alive connections and slow senders hold no worker: a normal client's
// requests all complete meanwhile (the latency figure is in bench/server, not asserted here).
TEST_F(HttpServerTest, IdleAndSlowConnectionsDoNotStarveRequests) {
  ServerOptions options;
  options.threads = 2;
  Start(options);
  std::vector<RawConn> idle, slow;
  const std::string hb = "GET /api/v2/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < 300; ++i) {
    idle.emplace_back(server_->port());
    ASSERT_TRUE(idle.back().Send(hb));
    ASSERT_EQ(StatusOf(idle.back().ReadResponse()), 200);  // now an idle keep-alive connection
  }
  for (int i = 0; i < 100; ++i) {
    slow.emplace_back(server_->port());
    ASSERT_TRUE(
        slow.back().Send(i % 2 ? "POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"
                               : "GET /api/v2/heartbeat HTTP/1.1\r\nHo"));
  }
  auto r = Post(kCollections, R"({"name": "under-pressure"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::string id = r->body.substr(r->body.find("\"id\":\"") + 6, 36);
  ASSERT_EQ(Post(std::string(kCollections) + "/" + id + "/add", R"({"ids": ["a"], "embeddings": [[1, 0]]})")->status,
            201);
  for (int i = 0; i < 50; ++i) {
    auto q = Post(std::string(kCollections) + "/" + id + "/query", R"({"query_embeddings": [[1, 0]], "n_results": 1})");
    ASSERT_TRUE(q) << "request " << i;
    ASSERT_EQ(q->status, 200);
  }
  for (int i = 0; i < 5; ++i) {
    // A few slow senders trickle one more byte: still no worker is held.
    ASSERT_TRUE(slow[2 * i + 1].Send("\""));
  }
  EXPECT_GE(server_->stats().open, 400);
}

TEST_F(HttpServerTest, BufferedBodiesAreBounded) {
  ServerOptions options;
  options.max_buffered_body_bytes = 1000;
  Start(options);
  const std::string head =
      "POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 900\r\n\r\n" + std::string(600, ' ');
  RawConn first(server_->port()), second(server_->port());
  ASSERT_TRUE(first.Send(head));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(second.Send(head));
  std::string response = second.ReadResponse();
  EXPECT_EQ(StatusOf(response), 503) << response;
  EXPECT_NE(response.find("too many request bodies"), std::string::npos) << response;
  // The first one's body completes within the budget once the second is gone.
  ASSERT_TRUE(first.Send(std::string(281, ' ') + "{\"name\": \"tnt\"}" + std::string(4, ' ')));
  response = first.ReadResponse();
  EXPECT_EQ(StatusOf(response), 200) << response;
}

TEST_F(HttpServerTest, ConnectionLimitEvictsIdleThenRefuses) {
  ServerOptions options;
  options.max_connections = 20;
  Start(options);
  const std::string hb = "GET /api/v2/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::vector<RawConn> idle;
  for (int i = 0; i < 20; ++i) {
    idle.emplace_back(server_->port());
    ASSERT_TRUE(idle.back().Send(hb));
    ASSERT_EQ(StatusOf(idle.back().ReadResponse()), 200);
  }
  // At the limit with idle connections: the longest-idle one makes room.
  RawConn fresh(server_->port());
  ASSERT_TRUE(fresh.Send(hb));
  EXPECT_EQ(StatusOf(fresh.ReadResponse()), 200);
  EXPECT_GE(server_->stats().evicted, 1u);
  // At the limit with none idle (all mid-request): a clear 503.
  std::vector<RawConn> busy;
  for (int i = 0; i < 25; ++i) {
    busy.emplace_back(server_->port());
    busy.back().Send("GET /api/v2/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawConn refused(server_->port());
  std::string response = refused.ReadResponse();
  EXPECT_EQ(StatusOf(response), 503) << response;
  EXPECT_NE(response.find("Too many open connections"), std::string::npos) << response;
  EXPECT_GE(server_->stats().refused, 1u);
}

}  // namespace
}  // namespace ochre::server
