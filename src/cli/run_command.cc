// Copyright 2026 The OchreDB Authors.
#include "cli/run_command.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/config_file.h"
#include "ochre/client.h"
#include "server/log.h"
#include "server/security.h"

namespace ochre::cli {
namespace {

using server::Log;
using server::LogLevel;

// glibc's allocator, tuned for a server whose writes parse megabytes of JSON per request on any of
// its worker threads. By default the mmap threshold rises to the largest block freed (up to 32 MB),
// after which request-sized buffers come from the arenas and stay there when freed; with up to
// 8 arenas per core, each worker that once served a large write kept its own: 100 MB of RSS after
// the server benchmark. A fixed threshold sends every block over 256 kB to mmap and back to the OS
// when freed, and two arenas per core bound what small blocks can strand (measured in
// docs/server.md; malloc_trim after each large request saved another 2 MB for 1.5 ms of CPU per
// batch, so it is not done). GLIBC_TUNABLES, when set, is the operator's choice and wins.
void TuneAllocator() {
  if (std::getenv("GLIBC_TUNABLES")) return;
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_ARENA_MAX, 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

// Every setting, with its environment variable. Lists take commas in the environment.
struct SettingSpec {
  const char* name;
  const char* env;
};
constexpr SettingSpec kSettings[] = {
    {"path", "OCHRE_PATH"},
    {"host", "OCHRE_HOST"},
    {"port", "OCHRE_PORT"},
    {"allow_reset", "OCHRE_ALLOW_RESET"},
    {"auth_token_file", "OCHRE_AUTH_TOKEN_FILE"},
    {"cors_allow_origins", "OCHRE_CORS_ALLOW_ORIGINS"},
    {"allowed_hosts", "OCHRE_ALLOWED_HOSTS"},
    {"max_body_mb", "OCHRE_MAX_BODY_MB"},
    {"threads", "OCHRE_THREADS"},
    {"log_level", "OCHRE_LOG_LEVEL"},
    {"max_n_results", "OCHRE_MAX_N_RESULTS"},
    {"max_connections", "OCHRE_MAX_CONNECTIONS"},
};

// Chroma's environment variables, so that a compose file written for Chroma works unchanged. Below
// OCHRE_* in precedence. The Rust server (1.x, rust/frontend/src/config.rs) reads CHROMA_<KEY> for
// each config key (nested keys with `__`, which name nothing that applies here); the Python server
// (0.x, chromadb/config.py) read its Settings fields upper-cased. Later entries win.
constexpr SettingSpec kChromaEnv[] = {
    {"path", "PERSIST_DIRECTORY"},
    {"allow_reset", "ALLOW_RESET"},
    {"host", "CHROMA_SERVER_HOST"},
    {"port", "CHROMA_SERVER_HTTP_PORT"},
    {"cors_allow_origins", "CHROMA_SERVER_CORS_ALLOW_ORIGINS"},
    {"auth_token_file", "CHROMA_SERVER_AUTHN_CREDENTIALS_FILE"},
    {"path", "CHROMA_PERSIST_PATH"},
    {"host", "CHROMA_LISTEN_ADDRESS"},
    {"port", "CHROMA_PORT"},
    {"allow_reset", "CHROMA_ALLOW_RESET"},
    {"max_payload_size_bytes", "CHROMA_MAX_PAYLOAD_SIZE_BYTES"},
    {"cors_allow_origins", "CHROMA_CORS_ALLOW_ORIGINS"},
};

// Exit codes of `ochre run` besides 0 (stopped by a signal) and 1 (the database cannot be opened,
// or the server failed): 2 for bad settings, 3 when the port is taken.
constexpr int kExitBadSettings = 2;
constexpr int kExitAddressInUse = 3;

// Chroma's config keys, so that `chroma run`'s YAML works unchanged.
const std::map<std::string, std::string> kChromaAliases = {
    {"persist_path", "path"},
    {"listen_address", "host"},
};

// "a, b" or, as Chroma's environment variables hold lists, `["a", "b"]`.
std::vector<std::string> SplitCommas(std::string_view s) {
  size_t b0 = s.find_first_not_of(' '), e0 = s.find_last_not_of(' ');
  if (b0 != std::string_view::npos && s[b0] == '[' && s[e0] == ']') s = s.substr(b0 + 1, e0 - b0 - 1);
  std::vector<std::string> out;
  std::stringstream ss{std::string(s)};
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b == std::string::npos) continue;
    item = item.substr(b, e - b + 1);
    if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Up to the hard limit: every open connection is a descriptor, and so is every open collection.
void RaiseOpenFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rlim_t before = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
    Log(LogLevel::kDebug,
        "open-file limit raised from " + std::to_string(before) + " to " + std::to_string(rl.rlim_cur));
  }
}

Status ParseInt(const std::string& name, const std::string& text, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return Status::InvalidArgument(name + " must be an integer between " + std::to_string(lo) + " and " +
                                   std::to_string(hi) + ", got `" + text + "`");
  }
  *out = v;
  return Status::Ok();
}

Status ParseBool(const std::string& name, const std::string& raw, bool* out) {
  std::string text = raw;  // any case: Chroma's compose files write TRUE
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    *out = true;
  } else if (text == "false" || text == "0" || text == "no" || text == "off") {
    *out = false;
  } else {
    return Status::InvalidArgument(name + " must be true or false, got `" + text + "`");
  }
  return Status::Ok();
}

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read the auth token file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return Status::InvalidArgument("the auth token file " + path + " is empty");
  return token;
}

Status Apply(const SettingValues& v, RunConfig* c) {
  auto one = [&](const char* name) -> const std::string* {
    auto it = v.find(name);
    if (it == v.end() || it->second.empty()) return nullptr;
    return &it->second.back();
  };
  int64_t n = 0;
  if (auto s = one("path")) c->path = *s;
  if (auto s = one("host")) c->server.host = *s;
  if (auto s = one("port")) {
    OCHRE_RETURN_IF_ERROR(ParseInt("port", *s, 0, 65535, &n));
    c->server.port = static_cast<int>(n);
  }
  if (auto s = one("allow_reset")) OCHRE_RETURN_IF_ERROR(ParseBool("allow_reset", *s, &c->allow_reset));
  if (auto s = one("max_body_mb")) {
    OCHRE_RETURN_IF_ERROR(ParseInt("max_body_mb", *s, 1, 4096, &n));
    c->server.max_body_bytes = static_cast<size_t>(n) << 20;
  }
  if (auto s = one("max_payload_size_bytes")) {
    OCHRE_RETURN_IF_ERROR(ParseInt("max_payload_size_bytes", *s, 1024, int64_t{4096} << 20, &n));
    c->server.max_body_bytes = static_cast<size_t>(n);
  }
  if (auto s = one("threads")) {
    OCHRE_RETURN_IF_ERROR(ParseInt("threads", *s, 1, 1024, &n));
    c->server.threads = static_cast<int>(n);
  }
  if (auto s = one("max_connections")) {
    OCHRE_RETURN_IF_ERROR(ParseInt("max_connections", *s, 1, 1000000, &n));
    c->server.max_connections = static_cast<int>(n);
  }
  if (auto s = one("max_n_results")) {
    OCHRE_RETURN_IF_ERROR(ParseInt("max_n_results", *s, 1, 100000000, &n));
    c->server.limits.max_n_results = n;
  }
  if (auto s = one("log_level")) c->log_level = *s;
  for (const char* list : {"cors_allow_origins", "allowed_hosts"}) {
    auto it = v.find(list);
    if (it == v.end()) continue;
    std::vector<std::string> items;
    for (const auto& x : it->second) {
      for (auto& y : SplitCommas(x)) items.push_back(std::move(y));
    }
    (std::string_view(list) == "allowed_hosts" ? c->server.allowed_hosts : c->server.cors_allow_origins) = items;
  }
  return Status::Ok();
}

// Set by the signal-watching thread; SIGINT/SIGTERM are blocked in every thread this command starts.
std::atomic<bool> g_signalled{false};
pthread_t g_watcher;

// Threads started before main() (OpenBLAS starts its pool when the library loads) do not have the
// signals blocked, and the kernel may deliver a process-directed SIGTERM to one of them: without a
// handler that would kill the process with no checkpoint. The handler hands the signal on to the
// watcher, which has it blocked and takes it in sigwait (pthread_kill is async-signal-safe).
void ForwardToWatcher(int sig) { pthread_kill(g_watcher, sig); }

int Run(const RunConfig& config) {
  LogLevel level;
  if (!server::ParseLogLevel(config.log_level, &level)) {
    std::fprintf(stderr, "ochre run: unknown --log-level `%s` (debug, info, warn, error, off)\n",
                 config.log_level.c_str());
    return kExitBadSettings;
  }
  server::SetLogLevel(level);
  TuneAllocator();
  RaiseOpenFileLimit();

  // Block the signals before any thread starts, so that only the watcher receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto client = PersistentClient::Open(config.path, Settings{.allow_reset = config.allow_reset});
  if (!client.ok()) {
    std::fprintf(stderr, "ochre run: cannot open %s: %s\n", config.path.c_str(), client.status().ToString().c_str());
    return 1;
  }
  auto server = server::HttpServer::Create(client->get(), config.server);
  if (!server.ok()) {
    std::fprintf(stderr, "ochre run: %s\n", server.status().message().c_str());
    return server.status().code() == StatusCode::kAlreadyExists ? kExitAddressInUse : 1;
  }
  const std::string& host = config.server.host;
  bool loopback = server::IsLoopbackHost(host);
  bool auth = !config.server.auth_token.empty();
  if (!loopback && !auth) {
    Log(LogLevel::kWarn, "listening on " + host +
                             ", reachable from other machines, with no authentication: anyone who can reach this "
                             "port can read and change every collection (set --auth-token-file)");
  } else if (!loopback) {
    Log(LogLevel::kWarn,
        "token auth without TLS on a non-loopback address: tokens travel in clear text; put a "
        "TLS-terminating reverse proxy in front (docs/server.md)");
  }
  if (!loopback) {
    std::string names = "localhost, IP addresses";
    if (!server::IsWildcardHost(host)) names += ", " + host;
    for (const auto& h : config.server.allowed_hosts) names += ", " + h;
    Log(LogLevel::kInfo,
        "accepted Host header names: " + names + " (DNS-rebinding protection; add names with --allowed-hosts)");
  }
  std::string display = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  Log(LogLevel::kInfo, "OchreDB " + std::string(ochre::Version()) + " serving " + config.path +
                           (auth ? " (token auth)" : "") + (config.allow_reset ? " (reset allowed)" : ""));
  std::printf("listening on http://%s:%d\n", display.c_str(), (*server)->port());
  std::fflush(stdout);

  server::HttpServer* srv = server->get();
  std::thread watcher([&signals, srv] {
    int sig = 0;
    sigwait(&signals, &sig);
    g_signalled = true;
    srv->Stop();
  });
  g_watcher = watcher.native_handle();
  struct sigaction forward {};
  forward.sa_handler = ForwardToWatcher;
  sigemptyset(&forward.sa_mask);
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);
  Status served = srv->Serve();
  if (!g_signalled) kill(getpid(), SIGTERM);  // wake the watcher when Serve ended on its own
  watcher.join();
  Log(LogLevel::kInfo, "stopping: in-flight requests done, writing checkpoints");
  Status cp = (*client)->Checkpoint();
  if (!cp.ok()) Log(LogLevel::kError, "checkpoint failed: " + cp.ToString());
  server->reset();
  client->reset();
  if (!served.ok()) {
    Log(LogLevel::kError, served.ToString());
    return 1;
  }
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

Result<RunConfig> ResolveRunConfig(const SettingValues& flags, const std::function<const char*(const char*)>& getenv) {
  RunConfig config;
  std::string config_path;
  if (auto it = flags.find("config"); it != flags.end() && !it->second.empty()) {
    config_path = it->second.back();
  } else if (const char* e = getenv("OCHRE_CONFIG"); e && *e) {
    config_path = e;
  }
  if (!config_path.empty()) {
    OCHRE_ASSIGN_OR_RETURN(ParsedConfig file, LoadConfigFile(config_path));
    SettingValues values;
    for (auto& [k, v] : file.values) {
      auto alias = kChromaAliases.find(k);
      values[alias == kChromaAliases.end() ? k : alias->second] = v;
    }
    OCHRE_RETURN_IF_ERROR(Apply(values, &config).WithContext("config file " + config_path));
  }
  SettingValues chroma_env;
  for (const auto& s : kChromaEnv) {
    if (const char* e = getenv(s.env); e && *e) chroma_env[s.name] = {e};
  }
  OCHRE_RETURN_IF_ERROR(Apply(chroma_env, &config).WithContext("Chroma environment variables"));
  SettingValues env;
  for (const auto& s : kSettings) {
    if (const char* e = getenv(s.env); e && *e) env[s.name] = {e};
  }
  OCHRE_RETURN_IF_ERROR(Apply(env, &config).WithContext("environment"));
  OCHRE_RETURN_IF_ERROR(Apply(flags, &config));

  // The token comes from a file or the environment, never from argv (visible in `ps`).
  std::string token_file;
  for (const SettingValues* src : std::initializer_list<const SettingValues*>{&flags, &env, &chroma_env}) {
    auto it = src->find("auth_token_file");
    if (token_file.empty() && it != src->end() && !it->second.empty()) token_file = it->second.back();
  }
  if (token_file.empty()) {
    // The config file may name one too.
    if (!config_path.empty()) {
      OCHRE_ASSIGN_OR_RETURN(ParsedConfig file, LoadConfigFile(config_path));
      auto it = file.values.find("auth_token_file");
      if (it != file.values.end() && !it->second.empty()) token_file = it->second.back();
    }
  }
  if (!token_file.empty()) {
    OCHRE_ASSIGN_OR_RETURN(config.server.auth_token, ReadTokenFile(token_file));
  } else if (const char* t = getenv("OCHRE_AUTH_TOKEN"); t && *t) {
    config.server.auth_token = t;
  } else if (const char* t = getenv("CHROMA_SERVER_AUTHN_CREDENTIALS"); t && *t) {
    // Chroma's token provider takes the token itself; its basic-auth provider takes htpasswd lines,
    // which are not a token: refused rather than misread.
    const char* provider = getenv("CHROMA_SERVER_AUTHN_PROVIDER");
    if (!provider || std::string_view(provider).find("token") == std::string_view::npos) {
      return Status::InvalidArgument(
          "CHROMA_SERVER_AUTHN_CREDENTIALS is set without Chroma's token provider "
          "(CHROMA_SERVER_AUTHN_PROVIDER=chromadb.auth.token_authn.TokenAuthenticationServerProvider); "
          "ochre run supports token authentication only");
    }
    config.server.auth_token = t;
  }
  return config;
}

void AddRunCommand(CLI::App& app, int* exit_code) {
  CLI::App* run = app.add_subcommand("run", "Serve Chroma's HTTP API (v2) over a database directory");
  auto flags = std::make_shared<SettingValues>();
  auto str = [&](const char* flag, const char* name, const char* help) {
    run->add_option_function<std::string>(
           flag, [flags, name](const std::string& v) { (*flags)[name] = {v}; }, help)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  };
  str("--path", "path", "Database directory (default ./chroma_db) [OCHRE_PATH]");
  str("--host", "host", "Address to listen on (default 127.0.0.1) [OCHRE_HOST]");
  str("--port", "port", "Port (default 8000; 0 picks a free one) [OCHRE_PORT]");
  run->add_flag_callback(
      "--allow-reset", [flags] { (*flags)["allow_reset"] = {"true"}; },
      "Allow POST /api/v2/reset, which deletes everything [OCHRE_ALLOW_RESET]");
  str("--auth-token-file", "auth_token_file",
      "File holding the token clients must send (or set OCHRE_AUTH_TOKEN) [OCHRE_AUTH_TOKEN_FILE]");
  run->add_option_function<std::vector<std::string>>(
      "--cors-allow-origins", [flags](const std::vector<std::string>& v) { (*flags)["cors_allow_origins"] = v; },
      "Origins allowed by CORS, exact (or *) [OCHRE_CORS_ALLOW_ORIGINS]");
  run->add_option_function<std::vector<std::string>>(
      "--allowed-hosts", [flags](const std::vector<std::string>& v) { (*flags)["allowed_hosts"] = v; },
      "Extra Host header names to accept besides localhost and IP addresses [OCHRE_ALLOWED_HOSTS]");
  str("--max-body-mb", "max_body_mb", "Largest request body in MiB (default 40) [OCHRE_MAX_BODY_MB]");
  str("--threads", "threads", "Worker threads running requests (default 4 x cores, at least 8) [OCHRE_THREADS]");
  str("--log-level", "log_level", "debug, info, warn, error or off (default info) [OCHRE_LOG_LEVEL]");
  str("--max-connections", "max_connections",
      "Open connections at most (default 10000, less under a low open-file limit) [OCHRE_MAX_CONNECTIONS]");
  str("--max-n-results", "max_n_results",
      "Largest n_results a query may ask for (default 10000) [OCHRE_MAX_N_RESULTS]");
  str("--config", "config", "A YAML or JSON config file with the same keys [OCHRE_CONFIG]");
  run->callback([flags, exit_code] {
    auto config = ResolveRunConfig(*flags, [](const char* name) { return std::getenv(name); });
    if (!config.ok()) {
      std::fprintf(stderr, "ochre run: %s\n", config.status().message().c_str());
      *exit_code = kExitBadSettings;
      return;
    }
    *exit_code = Run(*config);
    // The log is written by a background thread (server/log.h): give it a moment to finish.
    server::FlushLog(std::chrono::seconds(2));
  });
}

}  // namespace ochre::cli
