// Copyright 2026 The OchreDB Authors.
#include "embedding.h"

#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "convert.h"
#include "errors.h"

namespace ochredb {
namespace {

bool Finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

// The engine may call Name(), ConfigJson() and DefaultSpace() without the GIL, so they are read once,
// at construction, with it. Embed() takes the GIL for the duration of the Python call only.
class PyEmbeddingFunction final : public ochre::EmbeddingFunction {
 public:
  explicit PyEmbeddingFunction(py::handle fn) : fn_(py::reinterpret_borrow<py::object>(fn)) {
    name_ = ReadName();
    config_json_ = ReadConfigJson();
    default_space_ = ReadDefaultSpace();
    has_embed_query_ = py::hasattr(fn_, "embed_query");
  }

  ~PyEmbeddingFunction() override {
    // The last reference may go away on an engine thread without the GIL, or during interpreter
    // shutdown, when taking the GIL is no longer allowed: then the object is leaked on purpose.
    if (!Py_IsInitialized() || Finalizing()) {
      fn_.release();
      return;
    }
    py::gil_scoped_acquire gil;
    fn_ = py::object();
  }

  ochre::Result<ochre::FloatMatrix> Embed(const std::vector<std::string>& texts) const override {
    return Call(texts, /*query=*/false);
  }
  ochre::Result<ochre::FloatMatrix> EmbedQuery(const std::vector<std::string>& texts) const override {
    return Call(texts, /*query=*/has_embed_query_);
  }
  std::string Name() const override { return name_; }
  std::string ConfigJson() const override { return config_json_; }
  std::optional<ochre::Space> DefaultSpace() const override { return default_space_; }

 private:
  ochre::Result<ochre::FloatMatrix> Call(const std::vector<std::string>& texts, bool query) const {
    py::gil_scoped_acquire gil;
    try {
      py::list input = py::cast(texts);
      py::object out = query ? fn_.attr("embed_query")(py::arg("input") = input) : fn_(input);
      ochre::FloatMatrix m = ToMatrix(out);
      if (m.rows() != texts.size()) {
        return ochre::Status::InvalidArgument("The embedding function returned " + std::to_string(m.rows()) +
                                              " embeddings for " + std::to_string(texts.size()) + " inputs");
      }
      return m;
    } catch (py::error_already_set& e) {
      // Keep the caller's exception (its class and traceback) for ThrowStatus to raise unchanged.
      std::string what = e.what();
      e.restore();
      StashPendingPythonError();
      return ochre::Status::InvalidArgument("The embedding function raised: " + what);
    } catch (const py::builtin_exception& e) {
      e.set_error();
      std::string what = e.what();
      StashPendingPythonError();
      return ochre::Status::InvalidArgument("The embedding function returned an unusable value: " + what);
    } catch (const std::exception& e) {
      // Nothing may unwind through the engine (it is written without exceptions).
      return ochre::Status::Internal(std::string("embedding function wrapper failed: ") + e.what());
    }
  }

  std::string ReadName() const {
    if (py::hasattr(fn_, "name")) {
      try {
        py::object n = fn_.attr("name")();
        if (py::isinstance<py::str>(n)) return n.cast<std::string>();
      } catch (py::error_already_set&) {
        // chromadb's protocol default raises NotImplementedError: fall back to the class name.
      }
    }
    return py::str(fn_.get_type().attr("__name__")).cast<std::string>();
  }

  std::string ReadConfigJson() const {
    if (!py::hasattr(fn_, "get_config")) return "{}";
    try {
      py::object cfg = fn_.attr("get_config")();
      return py::module_::import("json").attr("dumps")(cfg).cast<std::string>();
    } catch (py::error_already_set&) {
      return "{}";
    }
  }

  std::optional<ochre::Space> ReadDefaultSpace() const {
    if (!py::hasattr(fn_, "default_space")) return std::nullopt;
    try {
      std::string s = py::str(fn_.attr("default_space")()).cast<std::string>();
      if (s == "l2") return ochre::Space::kL2;
      if (s == "cosine") return ochre::Space::kCosine;
      if (s == "ip") return ochre::Space::kIp;
    } catch (py::error_already_set&) {
    }
    return std::nullopt;
  }

  py::object fn_;
  std::string name_;
  std::string config_json_;
  std::optional<ochre::Space> default_space_;
  bool has_embed_query_ = false;
};

// The same function recorded under another name (ONNXMiniLM_L6_V2 is chromadb's "onnx_mini_lm_l6_v2").
class RenamedEmbeddingFunction final : public ochre::EmbeddingFunction {
 public:
  RenamedEmbeddingFunction(std::shared_ptr<ochre::EmbeddingFunction> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)) {}
  ochre::Result<ochre::FloatMatrix> Embed(const std::vector<std::string>& texts) const override {
    return inner_->Embed(texts);
  }
  ochre::Result<ochre::FloatMatrix> EmbedQuery(const std::vector<std::string>& texts) const override {
    return inner_->EmbedQuery(texts);
  }
  std::string Name() const override { return name_; }
  std::string ConfigJson() const override { return inner_->ConfigJson(); }
  std::optional<ochre::Space> DefaultSpace() const override { return inner_->DefaultSpace(); }

 private:
  std::shared_ptr<ochre::EmbeddingFunction> inner_;
  std::string name_;
};

py::list EmbedToList(const NativeEmbeddingFunction& self, const std::vector<std::string>& input, bool query) {
  ochre::Result<ochre::FloatMatrix> r = [&] {
    py::gil_scoped_release nogil;
    return query ? self.fn->EmbedQuery(input) : self.fn->Embed(input);
  }();
  if (!r.ok()) ThrowStatus(r.status());
  // chromadb's functions return one float32 numpy array per input.
  py::array all = FromMatrix(std::move(*r));
  py::list out;
  for (size_t i = 0; i < input.size(); ++i) out.append(all[py::int_(i)]);
  return out;
}

}  // namespace

std::shared_ptr<ochre::EmbeddingFunction> ToEmbeddingFunction(py::handle ef) {
  if (ef.is_none()) return nullptr;
  if (py::isinstance<NativeEmbeddingFunction>(ef)) return ef.cast<const NativeEmbeddingFunction&>().fn;
  if (!PyCallable_Check(ef.ptr())) throw py::value_error("embedding_function must be callable or None");
  return std::make_shared<PyEmbeddingFunction>(ef);
}

void BindEmbeddingFunctions(py::module_& m) {
  py::class_<NativeEmbeddingFunction>(m, "NativeEmbeddingFunction", py::dynamic_attr())
      .def(py::init([](int dim) {
             if (dim <= 0) throw py::value_error("dim must be a positive integer");
             return NativeEmbeddingFunction{ochre::MakeHashingEmbeddingFunction(dim)};
           }),
           py::arg("dim") = 384)
      // all-MiniLM-L6-v2: the process's shared instance (model looked up on first use), or one loaded
      // now from `model_dir`; `name` is what the collection records ("default" or "onnx_mini_lm_l6_v2").
      .def(py::init([](const std::string& name, std::optional<std::string> model_dir) {
             if (name != "default" && name != "onnx_mini_lm_l6_v2")
               throw py::value_error("unknown MiniLM name '" + name + "'");
             std::shared_ptr<ochre::EmbeddingFunction> fn;
             if (model_dir) {
               auto loaded = ochre::LoadMiniLmEmbeddingFunction(*model_dir);
               if (!loaded.ok()) ThrowStatus(loaded.status());
               fn = *loaded;
             } else {
               fn = ochre::MakeMiniLmEmbeddingFunction();
             }
             if (name != fn->Name()) fn = std::make_shared<RenamedEmbeddingFunction>(std::move(fn), name);
             return NativeEmbeddingFunction{std::move(fn)};
           }),
           py::arg("name"), py::arg("model_dir") = py::none())
      .def_static("default_function", [] { return NativeEmbeddingFunction{ochre::DefaultEmbeddingFunction()}; })
      .def(
          "__call__",
          [](const NativeEmbeddingFunction& self, const std::vector<std::string>& input) {
            return EmbedToList(self, input, false);
          },
          py::arg("input"))
      .def(
          "embed_query",
          [](const NativeEmbeddingFunction& self, const std::vector<std::string>& input) {
            return EmbedToList(self, input, true);
          },
          py::arg("input"))
      .def("_native_name", [](const NativeEmbeddingFunction& self) { return self.fn->Name(); })
      .def("_native_config_json", [](const NativeEmbeddingFunction& self) { return self.fn->ConfigJson(); })
      .def("_native_default_space", [](const NativeEmbeddingFunction& self) -> py::object {
        auto s = self.fn->DefaultSpace();
        if (!s) return py::none();
        return py::str(ochre::SpaceName(*s));
      });
}

}  // namespace ochredb
