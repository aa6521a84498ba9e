// Copyright 2026 The OchreDB Authors.
#include "cli/export_command.h"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/command_output.h"
#include "interop/export/jsonl_export.h"

namespace ochre::cli {
namespace {

struct Options {
  std::string path = "./chroma_db";
  std::optional<std::string> collection;
  std::string tenant = kDefaultTenant, database = kDefaultDatabase;
  std::string file;
  bool json = false;
};

int Finish(const char* cmd, const Options& o, const Result<interop::ExportFigures>& r) {
  if (!r.ok()) return ReportFailure(cmd, r.status(), o.json, stdout, stderr);
  if (o.json)
    std::printf(
        "%s\n",
        nlohmann::json({{"ok", true}, {"collections", r->collections}, {"records", r->records}}).dump().c_str());
  else
    std::printf("%s: %lld collections, %lld records\n", cmd, static_cast<long long>(r->collections),
                static_cast<long long>(r->records));
  return 0;
}

}  // namespace

void AddExportCommands(CLI::App& app, int* exit_code) {
  auto eo = std::make_shared<Options>();
  CLI::App* e =
      app.add_subcommand("export", "Write collections, with configuration and every record, to a JSON Lines file");
  e->add_option("--path", eo->path, "Database directory");
  e->add_option_function<std::string>(
      "--collection", [eo](const std::string& v) { eo->collection = v; },
      "Only this collection (default: all of the database)");
  e->add_option("--tenant", eo->tenant, "Tenant (default default_tenant)");
  e->add_option("--database", eo->database, "Database (default default_database)");
  e->add_option("--out", eo->file, "The export file (- for stdout)")->required();
  e->add_flag("--json", eo->json, "Print the result as JSON");
  e->callback([eo, exit_code] {
    std::FILE* out = eo->file == "-" ? stdout : std::fopen(eo->file.c_str(), "wbx");
    if (!out) {
      std::fprintf(stderr, "ochre export: cannot create %s (it must not exist)\n", eo->file.c_str());
      *exit_code = 2;
      return;
    }
    auto r = interop::ExportJsonl(eo->path, Scope{eo->tenant, eo->database}, eo->collection, out);
    if (out != stdout && std::fclose(out) != 0 && r.ok()) r = Status::IOError("closing " + eo->file + " failed");
    *exit_code = Finish("export", *eo, r);
  });
  auto io = std::make_shared<Options>();
  CLI::App* i = app.add_subcommand("import", "Read an `ochre export` file into a database");
  i->add_option("--path", io->path, "Database directory");
  i->add_option("--in", io->file, "The export file (- for stdin)")->required();
  i->add_flag("--json", io->json, "Print the result as JSON");
  i->callback([io, exit_code] {
    std::FILE* in = io->file == "-" ? stdin : std::fopen(io->file.c_str(), "rb");
    if (!in) {
      std::fprintf(stderr, "ochre import: cannot open %s\n", io->file.c_str());
      *exit_code = 2;
      return;
    }
    auto r = interop::ImportJsonl(io->path, in);
    if (in != stdin) std::fclose(in);
    *exit_code = Finish("import", *io, r);
  });
}

}  // namespace ochre::cli
