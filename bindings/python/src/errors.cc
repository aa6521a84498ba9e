// Copyright 2026 The OchreDB Authors.
#include "errors.h"

#include <string>

namespace py = pybind11;

namespace ochredb {
namespace {

const char* InvalidKindName(ochre::InvalidKind kind) {
  switch (kind) {
    case ochre::InvalidKind::kDuplicateId:
      return "DuplicateId";
    case ochre::InvalidKind::kDimensionMismatch:
      return "DimensionMismatch";
    case ochre::InvalidKind::kGeneric:
      break;
  }
  return "Generic";
}

// One slot per thread: the engine runs an embedding function on the thread that called it, so the
// error it raised belongs to the call this thread is making. Holds a strong reference, which must
// only be released with the GIL: the slot is always emptied (or overwritten) under the GIL.
thread_local py::object* pending_error = nullptr;

}  // namespace

void StashPendingPythonError() {
  PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
  PyErr_Fetch(&type, &value, &trace);
  PyErr_NormalizeException(&type, &value, &trace);
  if (value != nullptr && trace != nullptr) PyException_SetTraceback(value, trace);
  Py_XDECREF(type);
  Py_XDECREF(trace);
  ClearPendingPythonError();
  if (value != nullptr) pending_error = new py::object(py::reinterpret_steal<py::object>(value));
}

void ClearPendingPythonError() {
  delete pending_error;
  pending_error = nullptr;
}

void ThrowStatus(const ochre::Status& status, StatusContext context) {
  if (pending_error != nullptr) {
    py::object exc = std::move(*pending_error);
    ClearPendingPythonError();
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    throw py::error_already_set();
  }
  std::string code(ochre::StatusCodeName(status.code()));
  if (context == StatusContext::kOpen) code = "Open" + code;
  py::object make = py::module_::import("ochredb.errors").attr("_from_status");
  py::object exc = make(code, InvalidKindName(status.invalid_kind()), status.message());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  throw py::error_already_set();
}

}  // namespace ochredb
