// Copyright 2026 The OchreDB Authors.
#include "tools.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "errors.h"
#include "interop/export/jsonl_export.h"
#include "interop/report/stats_json.h"
#include "interop/report/verify_json.h"
#include "ochre/verify.h"

namespace py = pybind11;

namespace ochredb {
namespace {

template <typename Fn>
auto RunNoGil(Fn&& fn) {
  auto r = [&] {
    py::gil_scoped_release nogil;
    return fn();
  }();
  if (!r.ok()) ThrowStatus(r.status());
  return std::move(r).value();
}

py::object ToPython(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

}  // namespace

void BindTools(py::module_& m) {
  m.def(
      "export_collections",
      [](const std::string& path, const std::string& out, std::optional<std::string> collection,
         const std::string& tenant, const std::string& database) {
        auto f = RunNoGil([&]() -> ochre::Result<ochre::interop::ExportFigures> {
          std::FILE* file = std::fopen(out.c_str(), "wbx");
          if (!file) return ochre::Status::InvalidArgument("cannot create " + out + " (it must not exist)");
          auto r = ochre::interop::ExportJsonl(path, ochre::Scope{tenant, database}, collection, file);
          if (std::fclose(file) != 0 && r.ok()) return ochre::Status::IOError("closing " + out + " failed");
          return r;
        });
        return ToPython({{"ok", true}, {"collections", f.collections}, {"records", f.records}});
      },
      py::arg("path"), py::arg("out"), py::arg("collection"), py::arg("tenant"), py::arg("database"));
  m.def(
      "import_export",
      [](const std::string& path, const std::string& in) {
        auto f = RunNoGil([&]() -> ochre::Result<ochre::interop::ExportFigures> {
          std::FILE* file = std::fopen(in.c_str(), "rb");
          if (!file) return ochre::Status::InvalidArgument("cannot open " + in);
          auto r = ochre::interop::ImportJsonl(path, file);
          std::fclose(file);
          return r;
        });
        return ToPython({{"ok", true}, {"collections", f.collections}, {"records", f.records}});
      },
      py::arg("path"), py::arg("in"));
  m.def(
      "stats",
      [](const std::string& path) {
        auto r = RunNoGil([&] { return ochre::ReadDatabaseStats(path); });
        return ToPython(ochre::interop::DatabaseStatsJson(r));
      },
      py::arg("path"));
  m.def(
      "verify",
      [](const std::string& path, bool repair) {
        std::optional<ochre::RepairReport> repaired;
        if (repair) repaired = RunNoGil([&] { return ochre::RepairDatabase(path); });
        auto r = RunNoGil([&] { return ochre::VerifyDatabase(path); });
        nlohmann::json j = ochre::interop::VerifyReportJson(r);
        if (repaired) j["repair"] = ochre::interop::RepairReportJson(*repaired);
        return ToPython(j);
      },
      py::arg("path"), py::arg("repair") = false);
}

}  // namespace ochredb
