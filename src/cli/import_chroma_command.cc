// Copyright 2026 The OchreDB Authors.
#include "cli/import_chroma_command.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command_output.h"
#include "interop/chroma/import_chroma.h"

namespace ochre::cli {
int RunImportChroma(const ImportChromaOptions& o, std::FILE* out, std::FILE* err) {
  interop::chroma::ImportOptions io;
  io.from = o.from;
  io.path = o.path;
  const bool bar = !o.json && ::isatty(fileno(out)) && ::isatty(fileno(stderr));
  if (bar) {
    io.progress = [err](int64_t done, int64_t total) {
      int width = 40;
      int filled = total > 0 ? int(width * done / total) : width;
      std::fprintf(err, "\r[%s%s] %lld/%lld records", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total));
      std::fflush(err);
    };
  }
  auto start = std::chrono::steady_clock::now();
  auto report = interop::chroma::ImportChroma(io);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (bar) std::fprintf(err, "\n");
  if (!report.ok()) return ReportFailure("import-chroma", report.status(), o.json, out, err);
  if (o.json) {
    nlohmann::json cols = nlohmann::json::array();
    for (const auto& c : report->collections)
      cols.push_back({{"tenant", c.tenant},
                      {"database", c.database},
                      {"name", c.name},
                      {"records", c.records},
                      {"vectors_from_hnsw", c.vectors_from_hnsw},
                      {"queue_rows_replayed", c.queue_rows_replayed}});
    nlohmann::json j = {{"ok", true},
                        {"records", report->records},
                        {"tenants", report->tenants},
                        {"databases", report->databases},
                        {"collections", cols},
                        {"seconds", secs}};
    std::fprintf(out, "%s\n", j.dump().c_str());
  } else {
    for (const auto& c : report->collections)
      std::fprintf(out, "%s/%s/%s: %lld records (%lld vectors from the HNSW files, %lld queue rows replayed)\n",
                   c.tenant.c_str(), c.database.c_str(), c.name.c_str(), static_cast<long long>(c.records),
                   static_cast<long long>(c.vectors_from_hnsw), static_cast<long long>(c.queue_rows_replayed));
    std::fprintf(out, "imported %zu collections, %lld records in %.1f s into %s\n", report->collections.size(),
                 static_cast<long long>(report->records), secs, o.path.c_str());
  }
  return 0;
}

void AddImportChromaCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd =
      app.add_subcommand("import-chroma", "Import a Chroma persist directory (read-only) into a new OchreDB directory");
  auto options = std::make_shared<ImportChromaOptions>();
  cmd->add_option("--from", options->from, "The Chroma directory (holds chroma.sqlite3)")->required();
  cmd->add_option("--path", options->path, "The new OchreDB directory (absent or empty)")->required();
  cmd->add_flag("--json", options->json, "Print the result as one JSON object");
  cmd->callback([options, exit_code] { *exit_code = RunImportChroma(*options, stdout, stderr); });
}

}  // namespace ochre::cli
