// Copyright 2026 The OchreDB Authors.
//
// `ochre stats --json`'s report, in one place for the command and for Python's `ochredb.stats`
// (both return the same object, so a field added here reaches both).
#pragma once

#include <nlohmann/json.hpp>

#include "ochre/verify.h"

namespace ochre::interop {

inline nlohmann::json DatabaseStatsJson(const DatabaseStats& r) {
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : r.collections) {
    cs.push_back({{"tenant", c.tenant},
                  {"database", c.database},
                  {"name", c.name},
                  {"id", c.id},
                  {"dimension", c.dimension},
                  {"generation", c.generation},
                  {"records", c.records},
                  {"committed_rows", c.committed_rows},
                  {"dead_rows", c.dead_rows},
                  {"vectors_bytes", c.vectors_bytes},
                  {"graph_bytes", c.graph_bytes},
                  {"graph_rows", c.graph_rows},
                  {"fts_built", c.fts_built}});
  }
  return {{"ok", true}, {"path", r.path}, {"catalog_bytes", r.catalog_bytes}, {"collections", cs}};
}

}  // namespace ochre::interop
