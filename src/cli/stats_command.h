// Copyright 2026 The OchreDB Authors.
//
// `ochre stats --path DIR [--json]`: per collection (by tenant and database) its records, dead rows,
// committed rows, the bytes of its vector and graph files, and how far its graph checkpoint has got
// (rows it covers against the committed rows); the catalog's bytes. Reads without writing.
// Exit codes: 0 done; 2 bad arguments or not an OchreDB directory; 1 the catalog cannot be read.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace ochre::cli {

struct StatsOptions {
  std::string path = "./chroma_db";
  bool json = false;
};

int RunStats(const StatsOptions& options, std::FILE* out, std::FILE* err);

void AddStatsCommand(CLI::App& app, int* exit_code);

}  // namespace ochre::cli
