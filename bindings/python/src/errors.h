// Copyright 2026 The OchreDB Authors.
//
// Turning an engine Status into a Python exception. The classes live in the pure-Python module
// ochredb.errors (chromadb's names); ochredb.errors._from_status picks one from the Status code and
// kind, so the mapping is edited in one Python place.
#pragma once

#include <pybind11/pybind11.h>

#include "ochre/status.h"

namespace ochredb {

// What the engine was doing when it failed: failures to open a directory (codes passed as "Open<Code>")
// become Python's OSError subclasses (what chromadb users catch for a bad path); elsewhere chromadb's.
enum class StatusContext { kCall, kOpen };

// REQUIRES: the GIL is held and !status.ok(). Always throws pybind11::error_already_set: either
// the Python exception a Python embedding function raised during this call (re-raised unchanged),
// or the ochredb.errors class for the Status, with its message.
[[noreturn]] void ThrowStatus(const ochre::Status& status, StatusContext context = StatusContext::kCall);

// Remembers the Python exception currently set (raised by a Python embedding function that the engine
// called on this thread), so that ThrowStatus can re-raise it once the engine has returned.
// REQUIRES: the GIL is held and a Python error is set; clears it.
void StashPendingPythonError();
// Drops a stashed error (at the start of each engine call, so a stale one never leaks into another).
void ClearPendingPythonError();

}  // namespace ochredb
