// Copyright 2026 The OchreDB Authors.
//
// OpenTestClient: the client of a test parameterized over both kinds (persistent in `dir`/db, or
// ephemeral), with reset allowed so that a test may start from nothing.
#pragma once

#include <memory>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"

namespace ochre::testutil {

inline Result<std::unique_ptr<Client>> OpenTestClient(bool persistent, const TempDir& dir) {
  Settings settings;
  settings.allow_reset = true;
  return persistent ? PersistentClient::Open(dir.Sub("db"), settings) : EphemeralClient::Open(settings);
}

}  // namespace ochre::testutil
