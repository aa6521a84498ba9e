// Copyright 2026 The OchreDB Authors.
#include "cli/compact_command.h"

#include <memory>
#include <vector>

#include "cli/command_output.h"
#include "ochre/client.h"

namespace ochre::cli {
namespace {

std::string Megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
  return buf;
}

}  // namespace

int RunCompact(const CompactOptions& o, std::FILE* out, std::FILE* err) {
  auto client = PersistentClient::Open(o.path);
  if (!client.ok()) {
    std::fprintf(err, "ochre compact: %s\n", client.status().ToString().c_str());
    return ExitCodeFor(client.status());
  }
  const Scope scope{o.tenant, o.database};
  std::vector<std::string> names;
  if (o.collection) {
    names.push_back(*o.collection);
  } else {
    auto all = (*client)->ListCollections(std::nullopt, std::nullopt, scope);
    if (!all.ok()) {
      std::fprintf(err, "ochre compact: %s\n", all.status().ToString().c_str());
      return ExitCodeFor(all.status());
    }
    for (const auto& info : *all) names.push_back(info.name);
  }
  int exit_code = 0;
  int64_t freed = 0;
  for (const auto& name : names) {
    auto c = (*client)->GetCollection(name, {}, scope);
    if (!c.ok()) {
      std::fprintf(err, "ochre compact: %s\n", c.status().ToString().c_str());
      return ExitCodeFor(c.status());
    }
    auto stats = (*c)->Compact();
    if (!stats.ok()) {
      std::fprintf(err, "ochre compact: %s: %s (nothing was changed)\n", name.c_str(),
                   stats.status().ToString().c_str());
      exit_code = ExitCodeFor(stats.status());
      continue;
    }
    if (stats->rows_after == stats->rows_before) {
      std::fprintf(out, "%s: %lld rows, no dead rows: left as it is (%s)\n", name.c_str(),
                   static_cast<long long>(stats->rows_before), Megabytes(stats->bytes_before).c_str());
      continue;
    }
    std::fprintf(out, "%s: rows %lld -> %lld (%lld live), vectors and graph %s -> %s\n", name.c_str(),
                 static_cast<long long>(stats->rows_before), static_cast<long long>(stats->rows_after),
                 static_cast<long long>(stats->live_rows), Megabytes(stats->bytes_before).c_str(),
                 Megabytes(stats->bytes_after).c_str());
    freed += stats->bytes_before - stats->bytes_after;
  }
  if (names.size() > 1) std::fprintf(out, "%zu collections, %s given back\n", names.size(), Megabytes(freed).c_str());
  return exit_code;
}

void AddCompactCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "compact", "Give back the space of deleted and updated records (rewrites vectors and graph without them)");
  auto options = std::make_shared<CompactOptions>();
  cmd->add_option("--path", options->path, "Database directory (default ./chroma_db)");
  cmd->add_option_function<std::string>(
      "--collection", [options](const std::string& v) { options->collection = v; },
      "Only this collection (default: every collection of the database)");
  cmd->add_option("--tenant", options->tenant, "Tenant (default default_tenant)");
  cmd->add_option("--database", options->database, "Database (default default_database)");
  cmd->callback([options, exit_code] { *exit_code = RunCompact(*options, stdout, stderr); });
}

}  // namespace ochre::cli
