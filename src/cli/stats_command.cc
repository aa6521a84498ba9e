// Copyright 2026 The OchreDB Authors.
#include "cli/stats_command.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command_output.h"
#include "interop/report/stats_json.h"
#include "ochre/verify.h"

namespace ochre::cli {
namespace {

// "-" for a missing file (-1).
std::string Bytes(int64_t b) {
  if (b < 0) return "-";
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, unit[u]);
  return buf;
}

}  // namespace

int RunStats(const StatsOptions& o, std::FILE* out, std::FILE* err) {
  auto r = ReadDatabaseStats(o.path);
  if (!r.ok()) {
    return ReportFailure("stats", r.status(), o.json, out, err);
  }
  if (o.json) {
    std::fprintf(out, "%s\n", interop::DatabaseStatsJson(*r).dump(2).c_str());
    return 0;
  }
  std::fprintf(out, "%s: %zu collections, catalog %s\n", r->path.c_str(), r->collections.size(),
               Bytes(r->catalog_bytes).c_str());
  std::fprintf(out, "%-40s %5s %10s %10s %10s %11s %11s %16s %10s\n", "tenant/database/collection", "dim", "records",
               "dead rows", "committed", "vectors", "graph", "graph rows", "text index");
  for (const auto& c : r->collections) {
    const std::string name = c.tenant + "/" + c.database + "/" + c.name;
    const std::string graph =
        c.graph_rows < 0 ? "-" : std::to_string(c.graph_rows) + "/" + std::to_string(c.committed_rows);
    // The full-text index behind where_document is built at a collection's first document filter.
    std::fprintf(out, "%-40s %5lld %10lld %10lld %10lld %11s %11s %16s %10s\n", name.c_str(),
                 static_cast<long long>(c.dimension), static_cast<long long>(c.records),
                 static_cast<long long>(c.dead_rows), static_cast<long long>(c.committed_rows),
                 Bytes(c.vectors_bytes).c_str(), Bytes(c.graph_bytes).c_str(), graph.c_str(),
                 c.fts_built ? "built" : "not built");
  }
  return 0;
}

void AddStatsCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* c =
      app.add_subcommand("stats", "Collections, records, dead rows, file sizes and graph progress of a database");
  c->add_option("--path", o->path, "Database directory");
  c->add_flag("--json", o->json, "Print the figures as JSON");
  c->callback([o, exit_code] { *exit_code = RunStats(*o, stdout, stderr); });
}

}  // namespace ochre::cli
