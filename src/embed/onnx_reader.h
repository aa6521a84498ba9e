// Copyright 2026 The OchreDB Authors.
//
// A small reader of the ONNX model format (protobuf wire format): just what the MiniLM model needs,
// the graph's nodes, inputs, outputs and initializers (weights). Our own reader rather than
// libprotobuf + onnx.proto: Debian ships no compiled onnx.proto, generating one would add protoc to
// the build, and the subset we read is six message types with a dozen fields.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"

namespace ochre::embed {

// ONNX TensorProto.DataType values we meet.
inline constexpr int32_t kOnnxFloat = 1;
inline constexpr int32_t kOnnxInt64 = 7;

struct OnnxTensor {
  std::string name;
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  // Exactly one of these holds the values: raw little-endian bytes (a view into the file's bytes,
  // which must outlive the tensor) or the typed repeated fields.
  std::string_view raw;
  std::vector<float> float_data;
  std::vector<int64_t> int64_data;

  int64_t NumElements() const;
  // The values as floats; fails when the type is not float or the byte count is wrong.
  Result<std::vector<float>> Floats() const;
  // The values as int64 (for shape constants).
  Result<std::vector<int64_t>> Int64s() const;
};

struct OnnxNode {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

struct OnnxGraph {
  int64_t ir_version = 0;
  int64_t opset = 0;  // the default domain's opset version
  std::vector<OnnxNode> nodes;
  std::vector<std::string> inputs;  // graph inputs that are not initializers
  std::vector<std::string> outputs;
  // Initializers and the tensors of Constant nodes, by name.
  std::map<std::string, OnnxTensor> tensors;
};

// Parses a model file's bytes. `bytes` must outlive the graph (tensors view into it). Corruption
// when the bytes are not a well-formed ONNX model; NotSupported for external tensor data.
Result<OnnxGraph> ParseOnnxModel(std::string_view bytes);

}  // namespace ochre::embed
