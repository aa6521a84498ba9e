// Copyright 2026 The OchreDB Authors.
#include "convert.h"

#include <pybind11/stl.h>

#include <cstring>
#include <limits>
#include <variant>

namespace ochredb {
namespace {

bool IsBool(py::handle h) { return PyBool_Check(h.ptr()); }
bool IsInt(py::handle h) { return PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()); }
bool IsFloat(py::handle h) { return PyFloat_Check(h.ptr()); }
bool IsStr(py::handle h) { return PyUnicode_Check(h.ptr()); }

int64_t ToInt64(py::handle h, const std::string& key) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (overflow != 0) throw py::value_error("Metadata value for key '" + key + "' does not fit in a 64-bit integer");
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return v;
}

std::string KeyString(py::handle key) {
  if (!IsStr(key)) throw py::type_error("Expected metadata key to be a str, got " + py::repr(key).cast<std::string>());
  return key.cast<std::string>();
}

ochre::MetadataValue ToMetadataList(py::handle value, const std::string& key) {
  py::list list = py::reinterpret_borrow<py::list>(value);
  // An empty list has no element type; the engine rejects it with chromadb's message.
  if (list.empty()) return std::vector<std::string>();
  py::handle first = list[0];
  auto bad = [&]() {
    return py::value_error("Expected metadata list value for key '" + key +
                           "' to contain only str, int, float, or bool and all elements must be the same type, got " +
                           py::repr(value).cast<std::string>());
  };
  if (IsBool(first)) {
    std::vector<bool> out;
    for (py::handle item : list) {
      if (!IsBool(item)) throw bad();
      out.push_back(item.ptr() == Py_True);
    }
    return out;
  }
  if (IsInt(first)) {
    std::vector<int64_t> out;
    for (py::handle item : list) {
      if (!IsInt(item)) throw bad();
      out.push_back(ToInt64(item, key));
    }
    return out;
  }
  if (IsFloat(first)) {
    std::vector<double> out;
    for (py::handle item : list) {
      if (!IsFloat(item)) throw bad();
      out.push_back(PyFloat_AsDouble(item.ptr()));
    }
    return out;
  }
  if (IsStr(first)) {
    std::vector<std::string> out;
    for (py::handle item : list) {
      if (!IsStr(item)) throw bad();
      out.push_back(item.cast<std::string>());
    }
    return out;
  }
  throw bad();
}

template <typename T>
py::list ListOf(const std::vector<T>& v) {
  py::list out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = py::cast(T(v[i]));
  return out;
}

}  // namespace

// chromadb's SparseVector or anything shaped like it (indices, values, optional labels), or its
// wire form as a dict ({"#type": "sparse_vector", ...}). Chroma's rules are the engine's checks.
bool LooksLikeSparseVector(py::handle value) {
  if (PyDict_Check(value.ptr())) {
    py::dict d = py::reinterpret_borrow<py::dict>(value);
    return d.contains("#type") && py::str(d["#type"]).cast<std::string>() == "sparse_vector";
  }
  return py::hasattr(value, "indices") && py::hasattr(value, "values") && !PyList_Check(value.ptr());
}

ochre::SparseVector ToSparseVector(py::handle value, const std::string& key) {
  py::object indices, values, labels = py::none();
  if (PyDict_Check(value.ptr())) {
    py::dict d = py::reinterpret_borrow<py::dict>(value);
    if (!d.contains("indices") || !d.contains("values")) {
      throw py::value_error("Sparse vector for key '" + key + "' needs 'indices' and 'values'");
    }
    indices = d["indices"];
    values = d["values"];
    if (d.contains("tokens")) labels = d["tokens"];
  } else {
    indices = value.attr("indices");
    values = value.attr("values");
    if (py::hasattr(value, "labels")) labels = value.attr("labels");
  }
  ochre::SparseVector out;
  for (py::handle i : py::iter(indices)) {
    if (!IsInt(i)) throw py::value_error("SparseVector indices must be integers (key '" + key + "')");
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
    if (overflow != 0 || v < 0 || v > 0xffffffffll) {
      throw py::value_error("SparseVector indices must be integers in [0, 4294967295] (key '" + key + "')");
    }
    out.indices.push_back(uint32_t(v));
  }
  for (py::handle f : py::iter(values)) {
    if (!(IsInt(f) || IsFloat(f) || py::isinstance<py::float_>(f))) {
      throw py::value_error("SparseVector values must be numbers (key '" + key + "')");
    }
    out.values.push_back(float(py::cast<double>(f)));
  }
  if (!labels.is_none()) {
    std::vector<std::string> tokens;
    for (py::handle t : py::iter(labels)) {
      if (!IsStr(t)) throw py::value_error("SparseVector labels must be strings (key '" + key + "')");
      tokens.push_back(t.cast<std::string>());
    }
    out.tokens = std::move(tokens);
  }
  return out;
}

namespace {

py::object FromValue(const ochre::MetadataValue& v) {
  return std::visit(
      [](const auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return py::none();
        } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
          py::list out(x.size());
          for (size_t i = 0; i < x.size(); ++i) out[i] = py::bool_(x[i]);
          return out;
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<double>> ||
                             std::is_same_v<T, std::vector<std::string>>) {
          return ListOf(x);
        } else if constexpr (std::is_same_v<T, ochre::SparseVector>) {
          return FromSparseVector(x);
        } else {
          return py::cast(x);
        }
      },
      v);
}

py::object FromOptionalString(const std::optional<std::string>& s) {
  if (!s) return py::none();
  return py::str(*s);
}

py::list FromOptionalStrings(const std::vector<std::optional<std::string>>& v) {
  py::list out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = FromOptionalString(v[i]);
  return out;
}

py::list FromOptionalMetadatas(const std::vector<std::optional<ochre::Metadata>>& v) {
  py::list out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = FromOptionalMetadata(v[i]);
  return out;
}

}  // namespace

ochre::Metadata ToMetadata(py::handle dict_handle) {
  if (!PyDict_Check(dict_handle.ptr())) {
    throw py::type_error("Expected metadata to be a dict, got " + py::repr(dict_handle).cast<std::string>());
  }
  py::dict dict = py::reinterpret_borrow<py::dict>(dict_handle);
  ochre::Metadata out;
  for (auto [k, value] : dict) {
    std::string key = KeyString(k);
    ochre::MetadataValue v;
    if (value.is_none()) {
      v = std::monostate();
    } else if (IsBool(value)) {
      v = value.ptr() == Py_True;
    } else if (IsInt(value)) {
      v = ToInt64(value, key);
    } else if (IsFloat(value)) {
      v = PyFloat_AsDouble(value.ptr());
    } else if (IsStr(value)) {
      v = value.cast<std::string>();
    } else if (PyList_Check(value.ptr())) {
      v = ToMetadataList(value, key);
    } else if (LooksLikeSparseVector(value)) {
      v = ToSparseVector(value, key);
    } else {
      throw py::value_error("Expected metadata value to be a str, int, float, bool, list, or None, got " +
                            py::repr(value).cast<std::string>() + " which is a " +
                            py::str(value.get_type().attr("__name__")).cast<std::string>());
    }
    out.emplace(std::move(key), std::move(v));
  }
  return out;
}

py::object FromSparseVector(const ochre::SparseVector& v) {
  static py::handle cls = py::object(py::module_::import("ochredb.base_types").attr("SparseVector")).release();
  py::list indices(v.indices.size()), values(v.values.size());
  for (size_t i = 0; i < v.indices.size(); ++i) indices[i] = py::int_(v.indices[i]);
  for (size_t i = 0; i < v.values.size(); ++i) values[i] = py::float_(double(v.values[i]));
  py::object labels = py::none();
  if (v.tokens) {
    py::list t(v.tokens->size());
    for (size_t i = 0; i < v.tokens->size(); ++i) t[i] = py::str((*v.tokens)[i]);
    labels = std::move(t);
  }
  return cls(indices, values, labels);
}

py::dict FromMetadata(const ochre::Metadata& metadata) {
  py::dict out;
  for (const auto& [key, value] : metadata) out[py::str(key)] = FromValue(value);
  return out;
}

py::object FromOptionalMetadata(const std::optional<ochre::Metadata>& metadata) {
  if (!metadata) return py::none();
  return FromMetadata(*metadata);
}

ochre::FloatMatrix ToMatrix(py::handle embeddings) {
  using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
  FloatArray arr = FloatArray::ensure(embeddings);
  // ensure() clears numpy's error (ragged rows, non-numbers); say what was expected instead.
  if (!arr) {
    throw py::value_error(
        "Expected embeddings to be a 2-D numeric array or a list of equal-length lists of numbers, got " +
        py::repr(embeddings).cast<std::string>().substr(0, 200));
  }
  if (arr.ndim() == 1 && arr.shape(0) == 0) return ochre::FloatMatrix();
  if (arr.ndim() != 2) {
    throw py::value_error("Expected embeddings to be a 2-dimensional array or a list of lists, got " +
                          std::to_string(arr.ndim()) + " dimensions");
  }
  const size_t rows = arr.shape(0);
  const size_t dim = arr.shape(1);
  if (dim == 0) {
    // FloatMatrix needs dim > 0; report it as the engine does for an empty embedding.
    throw py::value_error("Each embedding must have at least 1 dimension");
  }
  std::vector<float> data(rows * dim);
  if (!data.empty()) std::memcpy(data.data(), arr.data(), data.size() * sizeof(float));
  return ochre::FloatMatrix(dim, std::move(data));
}

py::array FromMatrix(ochre::FloatMatrix&& matrix) {
  const size_t dim = matrix.dim();
  const size_t rows = matrix.rows();
  if (rows == 0) return py::array_t<float>(std::vector<py::ssize_t>{0});
  auto* owned = new std::vector<float>(std::move(matrix.mutable_data()));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>({py::ssize_t(rows), py::ssize_t(dim)},
                            {py::ssize_t(dim * sizeof(float)), py::ssize_t(sizeof(float))}, owned->data(),
                            free_when_done);
}

std::vector<std::string> ToStrings(py::handle list) { return list.cast<std::vector<std::string>>(); }

std::vector<std::optional<std::string>> ToOptionalStrings(py::handle list) {
  return list.cast<std::vector<std::optional<std::string>>>();
}

std::vector<std::optional<ochre::Metadata>> ToOptionalMetadatas(py::handle list) {
  py::sequence seq = py::reinterpret_borrow<py::sequence>(list);
  std::vector<std::optional<ochre::Metadata>> out;
  out.reserve(seq.size());
  for (py::handle m : seq) {
    if (m.is_none()) {
      out.emplace_back();
    } else {
      out.emplace_back(ToMetadata(m));
    }
  }
  return out;
}

ochre::Include ToInclude(py::handle list) {
  ochre::Include inc;
  for (py::handle item : list) {
    std::string name = item.cast<std::string>();
    if (name == "documents") {
      inc.documents = true;
    } else if (name == "embeddings") {
      inc.embeddings = true;
    } else if (name == "metadatas") {
      inc.metadatas = true;
    } else if (name == "distances") {
      inc.distances = true;
    } else if (name == "uris") {
      inc.uris = true;
    } else if (name != "data") {
      throw py::value_error(
          "Expected include item to be one of documents, embeddings, metadatas, distances, uris, "
          "data, got " +
          name);
    }
  }
  return inc;
}

ochre::RecordBatch ToRecordBatch(py::handle ids, py::handle embeddings, py::handle documents, py::handle metadatas,
                                 py::handle uris) {
  ochre::RecordBatch b;
  b.ids = ToStrings(ids);
  if (!embeddings.is_none()) b.embeddings = ToMatrix(embeddings);
  if (!documents.is_none()) b.documents = ToOptionalStrings(documents);
  if (!metadatas.is_none()) b.metadatas = ToOptionalMetadatas(metadatas);
  if (!uris.is_none()) b.uris = ToOptionalStrings(uris);
  return b;
}

py::dict FromGetResult(ochre::GetResult&& r) {
  py::dict out;
  out["ids"] = py::cast(r.ids);
  out["embeddings"] = r.embeddings ? py::object(FromMatrix(std::move(*r.embeddings))) : py::object(py::none());
  out["documents"] = r.documents ? py::object(FromOptionalStrings(*r.documents)) : py::object(py::none());
  out["uris"] = r.uris ? py::object(FromOptionalStrings(*r.uris)) : py::object(py::none());
  out["metadatas"] = r.metadatas ? py::object(FromOptionalMetadatas(*r.metadatas)) : py::object(py::none());
  return out;
}

py::dict FromQueryResult(ochre::QueryResult&& r) {
  py::dict out;
  out["ids"] = py::cast(r.ids);
  if (r.embeddings) {
    py::list per_query;
    for (auto& m : *r.embeddings) per_query.append(FromMatrix(std::move(m)));
    out["embeddings"] = per_query;
  } else {
    out["embeddings"] = py::none();
  }
  auto nested_strings = [](const auto& outer) {
    py::list l;
    for (const auto& inner : outer) l.append(FromOptionalStrings(inner));
    return l;
  };
  out["documents"] = r.documents ? py::object(nested_strings(*r.documents)) : py::object(py::none());
  out["uris"] = r.uris ? py::object(nested_strings(*r.uris)) : py::object(py::none());
  if (r.metadatas) {
    py::list l;
    for (const auto& inner : *r.metadatas) l.append(FromOptionalMetadatas(inner));
    out["metadatas"] = l;
  } else {
    out["metadatas"] = py::none();
  }
  out["distances"] = r.distances ? py::object(py::cast(*r.distances)) : py::object(py::none());
  return out;
}

}  // namespace ochredb
