// Copyright 2026 The OchreDB Authors.
#include "cli/verify_command.h"

#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command_output.h"
#include "ochre/verify.h"

namespace ochre::cli {
namespace {

nlohmann::json Findings(const std::vector<VerifyFinding>& fs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& f : fs) a.push_back({{"check", f.check}, {"collection", f.collection}, {"message", f.message}});
  return a;
}

void PrintFindings(std::FILE* out, const char* kind, const std::vector<VerifyFinding>& fs) {
  for (const auto& f : fs) {
    std::fprintf(out, "  %-7s %-8s %s%s%s\n", kind, f.check.c_str(), f.collection.c_str(),
                 f.collection.empty() ? "" : ": ", f.message.c_str());
  }
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
  auto r = VerifyDatabase(o.path, progress);
  if (bar) std::fprintf(err, "\n");
  if (!r.ok()) {
    return ReportFailure("verify", r.status(), r.status().IsNotFound() ? 2 : 1, o.json, out, err);
  }
  const int code = !r->problems.empty() ? 1 : !r->warnings.empty() ? 3 : 0;
  if (o.json) {
    nlohmann::json j = {{"ok", code == 0},
                        {"exit_code", code},
                        {"path", r->path},
                        {"collections", r->collections},
                        {"records", r->records},
                        {"problems", Findings(r->problems)},
                        {"warnings", Findings(r->warnings)}};
    std::fprintf(out, "%s\n", j.dump(2).c_str());
    return code;
  }
  std::fprintf(out, "%s: %lld collections, %lld records checked\n", r->path.c_str(),
               static_cast<long long>(r->collections), static_cast<long long>(r->records));
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
  c->callback([o, exit_code] { *exit_code = RunVerify(*o, stdout, stderr); });
}

}  // namespace ochre::cli
