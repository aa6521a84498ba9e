// Copyright 2026 The OchreDB Authors.
//
// `ochre run`: settings from flags, OCHRE_* environment variables and a config file (in that order
// of precedence, flags first), then the server until SIGINT/SIGTERM.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ochre/result.h"
#include "server/http_server.h"

namespace ochre::cli {

struct RunConfig {
  std::string path = "./chroma_db";
  bool allow_reset = false;
  std::string log_level = "info";
  server::ServerOptions server;
};

// Raw setting values by name ("path", "host", "port", ...), each source kept apart so that
// precedence is applied in one place.
using SettingValues = std::map<std::string, std::vector<std::string>>;

// Merges defaults < config file < environment < flags into a RunConfig. `getenv` is injectable for
// tests. Reads the token from auth_token_file (or OCHRE_AUTH_TOKEN). InvalidArgument on bad values.
Result<RunConfig> ResolveRunConfig(const SettingValues& flags, const std::function<const char*(const char*)>& getenv);

// Adds the `run` subcommand to `app`; its callback runs the server and stores the exit code.
void AddRunCommand(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
