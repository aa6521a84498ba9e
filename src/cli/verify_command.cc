// Copyright 2026 The OchreDB Authors.
#include "cli/verify_command.h"

#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command_output.h"
#include "interop/report/verify_json.h"
#include "ochre/verify.h"

namespace ochre::cli {
namespace {

void PrintFindings(std::FILE* out, const char* kind, const std::vector<VerifyFinding>& fs) {
  for (const auto& f : fs) {
    std::fprintf(out, "  %-7s %-8s %s%s%s\n", kind, f.check.c_str(), f.collection.c_str(),
                 f.collection.empty() ? "" : ": ", f.message.c_str());
  }
}

void PrintChecksums(std::FILE* out, const std::vector<RowChecksumState>& cs) {
  for (const auto& c : cs) {
    std::fprintf(out, "  rows    %s: %lld blocks, %lld checked, %lld without checksum, %zu mismatched%s\n",
                 c.collection.c_str(), static_cast<long long>(c.blocks), static_cast<long long>(c.checked),
                 static_cast<long long>(c.without_checksum), c.mismatches.size(),
                 c.vectors_version < 2 ? " (format version 1)" : "");
  }
}

void PrintCatalogChecksums(std::FILE* out, const CatalogChecksumState& c) {
  if (c.reserved_bytes < 0) return;
  if (!c.page_checksums) {
    std::fprintf(out, "  pages   catalog: no page checksums (%lld reserved bytes per page)\n",
                 static_cast<long long>(c.reserved_bytes));
    return;
  }
  std::fprintf(out, "  pages   catalog: %lld pages of %lld bytes checked, %zu damaged\n",
               static_cast<long long>(c.pages_checked), static_cast<long long>(c.page_size), c.damaged_pages.size());
}

}  // namespace

int RunVerify(const VerifyOptions& o, std::FILE* out, std::FILE* err) {
  const bool bar = !o.json && ::isatty(fileno(out)) && ::isatty(fileno(err));
  VerifyProgress progress;
  if (bar) {
    progress = [err](int64_t done, int64_t total) {
      std::fprintf(err, "\rchecking collections: %lld/%lld", static_cast<long long>(done),
                   static_cast<long long>(total));
      std::fflush(err);
    };
  }
  std::optional<RepairReport> repaired;
  if (o.repair) {
    auto rep = RepairDatabase(o.path);
    if (!rep.ok()) return ReportFailure("verify --repair", rep.status(), o.json, out, err);
    repaired = *rep;
  }
  auto r = VerifyDatabase(o.path, progress);
  if (bar) std::fprintf(err, "\n");
  if (!r.ok()) {
    return ReportFailure("verify", r.status(), r.status().IsNotFound() ? 2 : 1, o.json, out, err);
  }
  const int code = interop::VerifyExitCode(*r);
  if (o.json) {
    nlohmann::json j = interop::VerifyReportJson(*r);
    if (repaired) j["repair"] = interop::RepairReportJson(*repaired);
    std::fprintf(out, "%s\n", j.dump(2).c_str());
    return code;
  }
  if (repaired) {
    std::fprintf(out,
                 "repaired: %lld collections looked at, %lld vectors headers upgraded, %lld checksum files written, "
                 "%lld records given checksums%s\n",
                 static_cast<long long>(repaired->collections), static_cast<long long>(repaired->headers_upgraded),
                 static_cast<long long>(repaired->checksums_written),
                 static_cast<long long>(repaired->record_checksums_written),
                 repaired->catalog_page_checksums_added ? ", catalog rewritten with page checksums" : "");
  }
  std::fprintf(out, "%s: %lld collections, %lld records checked (%lld against their checksums, %lld without)\n",
               r->path.c_str(), static_cast<long long>(r->collections), static_cast<long long>(r->records),
               static_cast<long long>(r->records_checksummed), static_cast<long long>(r->records_without_checksum));
  PrintCatalogChecksums(out, r->catalog_checksums);
  PrintChecksums(out, r->checksums);
  PrintFindings(out, "PROBLEM", r->problems);
  PrintFindings(out, "warning", r->warnings);
  if (code == 0)
    std::fprintf(out, "clean\n");
  else
    std::fprintf(out, "%zu problems, %zu warnings\n", r->problems.size(), r->warnings.size());
  return code;
}

void AddVerifyCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* c = app.add_subcommand(
      "verify",
      "Check a database's catalog, vector and graph files without writing (exit 0 clean, 1 problems, "
      "3 warnings only, 2 not a database)");
  c->add_option("--path", o->path, "Database directory");
  c->add_flag("--json", o->json, "Print the report as JSON");
  c->add_flag("--repair", o->repair,
              "First add missing row checksums, upgrade old vectors headers and rewrite a catalog without page "
              "checksums with them (only on a sound database that no other process has open; nothing is changed "
              "otherwise)");
  c->callback([o, exit_code] { *exit_code = RunVerify(*o, stdout, stderr); });
}

}  // namespace ochre::cli
