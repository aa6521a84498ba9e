// Copyright 2026 The OchreDB Authors.
//
// The `ochre` inspection and transfer commands as functions of the native module: export, import,
// stats, verify (import_chroma and copy_collections are in module.cc). Each returns the dict of the
// command's --json output and raises the mapped OchreDB exception on failure.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace ochredb {

void BindTools(pybind11::module_& m);

}  // namespace ochredb
