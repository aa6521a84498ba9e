// Copyright 2026 The OchreDB Authors.
//
// SearchCollection: the native side of collection.search (see search_binding.h).
#include "search_binding.h"

#include <cmath>
#include <optional>
#include <vector>

#include "convert.h"
#include "errors.h"
#include "ochre/search.h"

namespace ochredb {
namespace {

template <typename T, typename F>
py::object Column(const std::optional<std::vector<T>>& column, F convert) {
  if (!column) return py::none();
  py::list out(column->size());
  for (size_t i = 0; i < column->size(); ++i) out[i] = convert((*column)[i]);
  return out;
}

py::dict FromSearchResult(const ochre::SearchResult& r) {
  py::dict d;
  py::list ids(r.ids.size());
  for (size_t i = 0; i < r.ids.size(); ++i) ids[i] = py::str(r.ids[i]);
  d["ids"] = std::move(ids);
  d["documents"] = Column(r.documents, [](const std::optional<std::string>& s) -> py::object {
    return s ? py::object(py::str(*s)) : py::none();
  });
  d["embeddings"] = Column(r.embeddings, [](const std::optional<std::vector<float>>& e) -> py::object {
    if (!e) return py::none();
    py::list v(e->size());
    for (size_t i = 0; i < e->size(); ++i) v[i] = py::float_((*e)[i]);
    return v;
  });
  d["metadatas"] = Column(r.metadatas, [](const std::optional<ochre::Metadata>& m) -> py::object {
    return m ? py::object(FromMetadata(*m)) : py::none();
  });
  // As in the HTTP response (serde_json): a non-finite score is null.
  d["scores"] = Column(r.scores, [](const std::optional<float>& s) -> py::object {
    return s && std::isfinite(*s) ? py::object(py::float_(*s)) : py::none();
  });
  py::list select(r.select.size());
  for (size_t i = 0; i < r.select.size(); ++i) select[i] = py::str(r.select[i]);
  d["select"] = std::move(select);
  return d;
}

}  // namespace

py::list SearchCollection(const std::shared_ptr<ochre::Collection>& collection, const std::string& request_json) {
  ochre::Result<std::vector<ochre::SearchResult>> results = ochre::Status::Internal("search did not run");
  {
    py::gil_scoped_release nogil;
    auto batch = ochre::ParseSearchBatch(request_json);
    if (!batch.ok()) {
      results = batch.status();
    } else {
      results = collection->Search(batch->searches);
    }
  }
  if (!results.ok()) ThrowStatus(results.status());
  py::list out(results->size());
  for (size_t i = 0; i < results->size(); ++i) out[i] = FromSearchResult((*results)[i]);
  return out;
}

}  // namespace ochredb
