// Copyright 2026 The OchreDB Authors.
#include "cli/copy_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_output.h"
#include "interop/copy/copy.h"

namespace ochre::cli {
namespace {

int RunCopy(const interop::CopyOptions& options, bool json, std::FILE* out, std::FILE* err) {
  interop::CopyOptions o = options;
  // Test hook (tests/server/copy_command_test.cc, tests.d): stop after N batches, as a kill would.
  if (const char* stop = std::getenv("OCHRE_COPY_STOP_AFTER_BATCHES"); stop && *stop)
    o.stop_after_batches = std::atoll(stop);
  const bool bar = !json && ::isatty(fileno(err));
  interop::CopyProgress progress;
  if (bar) {
    progress = [err](int64_t done, int64_t total) {
      int width = 40;
      int filled = total > 0 ? int(width * done / total) : width;
      std::fprintf(err, "\r[%s%s] %lld/%lld records", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total));
      std::fflush(err);
    };
  }
  auto start = std::chrono::steady_clock::now();
  auto r = interop::Copy(o, progress);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (bar) std::fprintf(err, "\n");
  if (!r.ok()) return ReportFailure("copy", r.status(), json, out, err);
  if (json) {
    nlohmann::json j = {{"ok", true},
                        {"collections", r->collections},
                        {"records", r->records},
                        {"already_present", r->already_present},
                        {"batches", r->batches},
                        {"batch_size", r->batch_size},
                        {"resumed", r->resumed},
                        {"seconds", secs}};
    std::fprintf(out, "%s\n", j.dump().c_str());
  } else {
    std::fprintf(out, "copied %lld collections, %lld records (%lld already there) in %.1f s, batches of %lld%s\n",
                 static_cast<long long>(r->collections), static_cast<long long>(r->records),
                 static_cast<long long>(r->already_present), secs, static_cast<long long>(r->batch_size),
                 r->resumed ? " (resumed)" : "");
  }
  return 0;
}

}  // namespace

void AddCopyCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "copy", "Copy collections between OchreDB directories and Chroma API servers (http://host:port); resumable");
  auto o = std::make_shared<interop::CopyOptions>();
  auto json = std::make_shared<bool>(false);
  auto token = std::make_shared<std::string>();
  cmd->add_option("--from", o->from, "Source: a database directory or a server URL")->required();
  cmd->add_option("--to", o->to, "Destination: a database directory or a server URL")->required();
  cmd->add_option("--collection", o->collections, "Only these collections (repeatable; default: all)");
  cmd->add_option("--token", *token, "Token for both servers (Authorization: Bearer and X-Chroma-Token)");
  cmd->add_option("--from-token", o->from_options.token, "Token for the source server only");
  cmd->add_option("--to-token", o->to_options.token, "Token for the destination server only");
  cmd->add_option("--tenant", o->from_options.tenant, "Tenant of both sides (default default_tenant)");
  cmd->add_option("--database", o->from_options.database, "Database of both sides (default default_database)");
  cmd->add_option("--to-tenant", o->to_options.tenant, "Tenant at the destination (default: --tenant)");
  cmd->add_option("--to-database", o->to_options.database, "Database at the destination (default: --database)");
  cmd->add_option("--state", o->state_file, "Resume state file (default .ochre-copy-<hash>.json here)");
  cmd->add_flag("--json", *json, "Print the result as one JSON object");
  cmd->callback([cmd, o, json, token, exit_code] {
    interop::CopyOptions run = *o;
    if (!token->empty()) {
      if (run.from_options.token.empty()) run.from_options.token = *token;
      if (run.to_options.token.empty()) run.to_options.token = *token;
    }
    if (cmd->count("--to-tenant") == 0) run.to_options.tenant = run.from_options.tenant;
    if (cmd->count("--to-database") == 0) run.to_options.database = run.from_options.database;
    *exit_code = RunCopy(run, *json, stdout, stderr);
  });
}

}  // namespace ochre::cli
