// Copyright 2026 The OchreDB Authors.
//
// Recognises directories of other systems given to PersistentClient::Open / `ochre run`.
#pragma once

#include <string>

#include "ochre/status.h"

namespace ochre::api {

// InvalidArgument naming `ochre import-chroma` when `dir` is a Chroma persist directory (it holds
// chroma.sqlite3 and no ochre.sqlite3); OK otherwise. Reads nothing but the directory entries.
Status RefuseForeignDirectory(const std::string& dir);

}  // namespace ochre::api
