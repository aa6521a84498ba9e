// Copyright 2026 The OchreDB Authors.
//
// The server in-process: an EphemeralClient behind HttpServer on a free loopback port, driven with
// httplib's client. Covers what the Node tests cannot see from outside: Stop() ending Serve(), and
// the Api's translation on a few routes.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

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

}  // namespace
}  // namespace ochre::server
