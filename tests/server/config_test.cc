// Copyright 2026 The OchreDB Authors.
//
// `ochre run` settings: the config file subset (YAML and JSON, Chroma's keys), and precedence
// flags > environment > file > defaults, with the token read from a file or the environment.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/config_file.h"
#include "cli/run_command.h"

namespace ochre::cli {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("ochre-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigFileTest, YamlSubset) {
  auto parsed = ParseConfigText(R"(# a comment
port: 9000
host: "0.0.0.0"   # trailing comment
allow-reset: true
cors_allow_origins: ["https://a.example", 'http://b.example']
allowed_hosts:
  - db.internal
  - api.internal
sqlitedb:
  hash_type: md5
  migration_mode: apply
persist_path: /data/chroma
)");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const auto& v = parsed->values;
  EXPECT_EQ(v.at("port"), std::vector<std::string>{"9000"});
  EXPECT_EQ(v.at("host"), std::vector<std::string>{"0.0.0.0"});
  EXPECT_EQ(v.at("allow_reset"), std::vector<std::string>{"true"});
  EXPECT_EQ(v.at("cors_allow_origins"), (std::vector<std::string>{"https://a.example", "http://b.example"}));
  EXPECT_EQ(v.at("allowed_hosts"), (std::vector<std::string>{"db.internal", "api.internal"}));
  EXPECT_EQ(v.count("sqlitedb"), 0u);
  EXPECT_EQ(parsed->skipped, std::vector<std::string>{"sqlitedb"});
  EXPECT_EQ(v.at("persist_path"), std::vector<std::string>{"/data/chroma"});
}

TEST(ConfigFileTest, JsonAndErrors) {
  auto parsed = ParseConfigText(R"({"port": 8123, "allow_reset": true, "cors_allow_origins": ["x"]})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->values.at("port"), std::vector<std::string>{"8123"});
  EXPECT_EQ(parsed->values.at("allow_reset"), std::vector<std::string>{"true"});
  EXPECT_FALSE(ParseConfigText("{not json").ok());
  EXPECT_FALSE(ParseConfigText("just words\n").ok());
  EXPECT_FALSE(ParseConfigText("  indented: first\n").ok());
}

TEST(ResolveRunConfigTest, PrecedenceFlagsEnvFileDefaults) {
  std::string file = WriteTemp("c.yaml", "port: 9000\nhost: 10.0.0.1\npersist_path: /from/file\nmax_body_mb: 8\n");
  std::map<std::string, std::string> env = {{"OCHRE_CONFIG", file}, {"OCHRE_PORT", "9100"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto config = ResolveRunConfig({{"host", {"127.0.0.1"}}}, getenv);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.port, 9100);         // env beats file
  EXPECT_EQ(config->server.host, "127.0.0.1");  // flag beats file
  EXPECT_EQ(config->path, "/from/file");        // Chroma's persist_path
  EXPECT_EQ(config->server.max_body_bytes, 8u << 20);
  EXPECT_FALSE(config->allow_reset);
  EXPECT_TRUE(config->server.auth_token.empty());
}

TEST(ResolveRunConfigTest, TokenFromFileOrEnvironment) {
  std::string token_file = WriteTemp("token", "from-file-token\n");
  auto none = [](const char*) -> const char* { return nullptr; };
  auto config = ResolveRunConfig({{"auth_token_file", {token_file}}}, none);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->server.auth_token, "from-file-token");
  auto env_token = [](const char* name) -> const char* {
    return std::string(name) == "OCHRE_AUTH_TOKEN" ? "from-env" : nullptr;
  };
  config = ResolveRunConfig({}, env_token);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->server.auth_token, "from-env");
  EXPECT_FALSE(ResolveRunConfig({{"auth_token_file", {"/nonexistent/token"}}}, none).ok());
  EXPECT_FALSE(ResolveRunConfig({{"auth_token_file", {WriteTemp("empty", "\n")}}}, none).ok());
}

TEST(ResolveRunConfigTest, BadValuesAreRefused) {
  auto none = [](const char*) -> const char* { return nullptr; };
  EXPECT_FALSE(ResolveRunConfig({{"port", {"eighty"}}}, none).ok());
  EXPECT_FALSE(ResolveRunConfig({{"port", {"70000"}}}, none).ok());
  EXPECT_FALSE(ResolveRunConfig({{"allow_reset", {"maybe"}}}, none).ok());
  EXPECT_FALSE(ResolveRunConfig({{"threads", {"0"}}}, none).ok());
  auto lists = ResolveRunConfig({{"cors_allow_origins", {"https://a.example,https://b.example"}}}, none);
  ASSERT_TRUE(lists.ok());
  EXPECT_EQ(lists->server.cors_allow_origins.size(), 2u);
}

// A compose file written for Chroma: its environment variables (1.x Rust names, 0.x Python names)
// and its full sample config file work unchanged; OCHRE_* and flags still win.
TEST(ResolveRunConfigTest, ChromaEnvironmentAndConfigFile) {
  std::map<std::string, std::string> env = {
      {"CHROMA_PERSIST_PATH", "/chroma/data"},
      {"CHROMA_PORT", "8123"},
      {"CHROMA_LISTEN_ADDRESS", "0.0.0.0"},
      {"CHROMA_ALLOW_RESET", "TRUE"},
      {"CHROMA_MAX_PAYLOAD_SIZE_BYTES", "1048576"},
      {"CHROMA_CORS_ALLOW_ORIGINS", R"(["https://a.example","https://b.example"])"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto config = ResolveRunConfig({}, getenv);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->path, "/chroma/data");
  EXPECT_EQ(config->server.port, 8123);
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_TRUE(config->allow_reset);
  EXPECT_EQ(config->server.max_body_bytes, 1u << 20);
  EXPECT_EQ(config->server.cors_allow_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));

  env = {{"PERSIST_DIRECTORY", "/old/path"},
         {"CHROMA_SERVER_HTTP_PORT", "8200"},
         {"ALLOW_RESET", "True"},
         {"CHROMA_SERVER_AUTHN_PROVIDER", "chromadb.auth.token_authn.TokenAuthenticationServerProvider"},
         {"CHROMA_SERVER_AUTHN_CREDENTIALS", "chroma-token"},
         {"OCHRE_PORT", "8300"}};
  config = ResolveRunConfig({}, getenv);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->path, "/old/path");
  EXPECT_EQ(config->server.port, 8300) << "OCHRE_* beats CHROMA_*";
  EXPECT_TRUE(config->allow_reset);
  EXPECT_EQ(config->server.auth_token, "chroma-token");
  env.erase("CHROMA_SERVER_AUTHN_PROVIDER");
  EXPECT_FALSE(ResolveRunConfig({}, getenv).ok()) << "basic-auth credentials are not a token";

  // Chroma's own sample (rust/frontend/sample_configs/single_node_full.yaml), nested keys included.
  std::string file = WriteTemp("chroma.yaml", R"(open_telemetry:
  service_name: "chroma"
  endpoint: "http://otel-collector:4317"
port: 8000
listen_address: "0.0.0.0"
max_payload_size_bytes: 41943040
cors_allow_origins: ["*"]
persist_path: "./chroma"
allow_reset: false # defaults to false
sqlitedb:
  hash_type: "md5" # or "sha256"
  migration_mode: "apply" # or "validate"
sysdb:
  sqlite:
    log_topic_namespace: "default"
    log_tenant: "default"
)");
  config = ResolveRunConfig({{"config", {file}}}, [](const char*) -> const char* { return nullptr; });
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->path, "./chroma");
  EXPECT_EQ(config->server.port, 8000);
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.max_body_bytes, 41943040u);
  EXPECT_EQ(config->server.cors_allow_origins, std::vector<std::string>{"*"});
}

}  // namespace
}  // namespace ochre::cli
