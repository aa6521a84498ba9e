// Copyright 2026 The OchreDB Authors.
//
// `ochre verify --path DIR [--json] [--repair]`: checks a database directory without writing to it
// (include/ochre/verify.h lists the checks). With --repair, first adds row checksums and upgrades
// old vectors headers (RepairDatabase; refused with nothing changed while the database is open
// elsewhere or damaged), then checks. Exit codes: 0 clean; 1 problems found (damaged or
// inconsistent data: the report names each); 3 warnings only (state the next open recovers by
// itself: a missing graph checkpoint, an uncommitted tail of a vector file); 2 bad arguments or not
// an OchreDB directory.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace ochre::cli {

struct VerifyOptions {
  std::string path = "./chroma_db";
  bool json = false;
  bool repair = false;
};

int RunVerify(const VerifyOptions& options, std::FILE* out, std::FILE* err);

void AddVerifyCommand(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
