// Copyright 2026 The OchreDB Authors.
#include "sparse.h"

#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "convert.h"
#include "errors.h"
#include "ochre/bm25.h"

namespace py = pybind11;

namespace ochredb {

void BindSparse(py::module_& m) {
  m.def(
      "bm25_embed",
      [](const std::vector<std::string>& texts, const std::string& config_json) {
        auto config = ochre::Bm25ConfigFromJson(config_json);
        if (!config.ok()) ThrowStatus(config.status());
        auto r = [&] {
          py::gil_scoped_release nogil;
          return ochre::Bm25Embed(texts, *config);
        }();
        if (!r.ok()) ThrowStatus(r.status());
        py::list out(r->size());
        for (size_t i = 0; i < r->size(); ++i) out[i] = FromSparseVector((*r)[i]);
        return out;
      },
      py::arg("texts"), py::arg("config_json"));
  m.def(
      "bm25_normalize_config",
      [](const std::string& config_json) {
        auto c = ochre::Bm25ConfigFromJson(config_json);
        if (!c.ok()) ThrowStatus(c.status());
        return ochre::Bm25ConfigToJson(*c);
      },
      py::arg("config_json"));
  m.def("bm25_default_stopwords", [] { return ochre::DefaultBm25Stopwords(); });
}

}  // namespace ochredb
