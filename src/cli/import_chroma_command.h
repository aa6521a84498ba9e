// Copyright 2026 The OchreDB Authors.
//
// `ochre import-chroma --from CHROMA_DIR --path OCHRE_DIR [--json]`: reads a Chroma persist directory
// (never writing to it) and writes its tenants, databases, collections and records into a new
// OchreDB directory. Exit codes: 0 done; 2 bad arguments or not a Chroma directory; 3 the Chroma
// schema is newer than known; 4 the destination is not empty; 5 a Chroma process has the directory
// open; 6 Chroma's files are inconsistent or corrupt; 1 any other failure.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace ochre::cli {

struct ImportChromaOptions {
  std::string from;
  std::string path;
  bool json = false;
};

int RunImportChroma(const ImportChromaOptions& options, std::FILE* out, std::FILE* err);

void AddImportChromaCommand(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
