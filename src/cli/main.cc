// Copyright 2026 The OchreDB Authors.
//
// The `ochre` command. Subcommands: run (Chroma's HTTP API over a database directory), compact
// (gives back the space of deleted and updated records), import-chroma, export, import, stats,
// verify, copy.
#include <CLI/CLI.hpp>

#include "cli/compact_command.h"
#include "cli/copy_command.h"
#include "cli/export_command.h"
#include "cli/import_chroma_command.h"
#include "cli/model_command.h"
#include "cli/run_command.h"
#include "cli/stats_command.h"
#include "cli/verify_command.h"
#include "ochre/client.h"

int main(int argc, char** argv) {
  CLI::App app{"OchreDB: an embedded vector database with Chroma's API"};
  app.set_version_flag("--version", std::string(ochre::Version()));
  app.require_subcommand(1);
  int exit_code = 0;
  ochre::cli::AddRunCommand(app, &exit_code);
  ochre::cli::AddCompactCommand(app, &exit_code);
  ochre::cli::AddImportChromaCommand(app, &exit_code);
  ochre::cli::AddExportCommands(app, &exit_code);
  ochre::cli::AddStatsCommand(app, &exit_code);
  ochre::cli::AddVerifyCommand(app, &exit_code);
  ochre::cli::AddModelCommand(app, &exit_code);
  ochre::cli::AddCopyCommand(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
