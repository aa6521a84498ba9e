// Copyright 2026 The OchreDB Authors.
//
// Protobuf wire format: each field is a varint key (field number << 3 | wire type) followed by a
// varint (type 0), 8 bytes (1), a length-delimited payload (2) or 4 bytes (5). Messages read here,
// with the ONNX field numbers (onnx/onnx.proto):
//   ModelProto   ir_version=1 opset_import=8 graph=7
//   OperatorSetIdProto domain=1 version=2
//   GraphProto   node=1 initializer=5 input=11 output=12
//   NodeProto    input=1 output=2 name=3 op_type=4 attribute=5
//   AttributeProto name=1 t=5
//   ValueInfoProto name=1
//   TensorProto  dims=1 data_type=2 float_data=4 int64_data=7 name=8 raw_data=9 data_location=14
#include "embed/onnx_reader.h"

#include <cstring>
#include <set>

namespace ochre::embed {

namespace {

class WireReader {
 public:
  explicit WireReader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool done() const { return p_ >= end_; }
  bool failed() const { return failed_; }

  bool ReadVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return Fail();
      uint8_t b = uint8_t(*p_++);
      result |= uint64_t(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }

  // Reads the next field's key; false at the end or on error.
  bool Next(uint32_t* field, uint32_t* wire) {
    if (done() || failed_) return false;
    uint64_t key;
    if (!ReadVarint(&key)) return false;
    *field = uint32_t(key >> 3);
    *wire = uint32_t(key & 7);
    return *field != 0 || Fail();
  }

  bool ReadBytes(std::string_view* out) {
    uint64_t n;
    if (!ReadVarint(&n)) return false;
    if (n > uint64_t(end_ - p_)) return Fail();
    *out = std::string_view(p_, size_t(n));
    p_ += n;
    return true;
  }

  bool Skip(uint32_t wire) {
    uint64_t v;
    std::string_view s;
    switch (wire) {
      case 0:
        return ReadVarint(&v);
      case 1:
        return Advance(8);
      case 2:
        return ReadBytes(&s);
      case 5:
        return Advance(4);
      default:
        return Fail();
    }
  }

 private:
  bool Advance(size_t n) {
    if (size_t(end_ - p_) < n) return Fail();
    p_ += n;
    return true;
  }
  bool Fail() {
    failed_ = true;
    return false;
  }

  const char* p_;
  const char* end_;
  bool failed_ = false;
};

Status Bad(std::string_view what) {
  return Status::Corruption("model.onnx is not a well-formed ONNX model: " + std::string(what));
}

// Repeated int64 fields come packed (wire type 2) or one per key (wire type 0).
bool ReadInt64s(WireReader& r, uint32_t wire, std::vector<int64_t>* out) {
  if (wire == 0) {
    uint64_t v;
    if (!r.ReadVarint(&v)) return false;
    out->push_back(int64_t(v));
    return true;
  }
  std::string_view packed;
  if (wire != 2 || !r.ReadBytes(&packed)) return false;
  WireReader p(packed);
  while (!p.done()) {
    uint64_t v;
    if (!p.ReadVarint(&v)) return false;
    out->push_back(int64_t(v));
  }
  return true;
}

Result<OnnxTensor> ParseTensor(std::string_view bytes) {
  OnnxTensor t;
  WireReader r(bytes);
  uint32_t field, wire;
  while (r.Next(&field, &wire)) {
    bool ok = true;
    std::string_view s;
    uint64_t v;
    if (field == 1) {
      ok = ReadInt64s(r, wire, &t.dims);
    } else if (field == 2 && wire == 0) {
      ok = r.ReadVarint(&v);
      t.data_type = int32_t(v);
    } else if (field == 4 && wire == 2) {
      ok = r.ReadBytes(&s) && s.size() % 4 == 0;
      if (ok) {
        size_t n = s.size() / 4;
        size_t old = t.float_data.size();
        t.float_data.resize(old + n);
        std::memcpy(t.float_data.data() + old, s.data(), s.size());
      }
    } else if (field == 7) {
      ok = ReadInt64s(r, wire, &t.int64_data);
    } else if (field == 8 && wire == 2) {
      ok = r.ReadBytes(&s);
      t.name = std::string(s);
    } else if (field == 9 && wire == 2) {
      ok = r.ReadBytes(&t.raw);
    } else if (field == 14 && wire == 0) {
      ok = r.ReadVarint(&v);
      if (ok && v == 1)
        return Status::NotSupported("model.onnx: tensor '" + t.name + "' keeps its data in an external file");
    } else {
      ok = r.Skip(wire);
    }
    if (!ok) break;
  }
  if (r.failed()) return Bad("a tensor is truncated");
  return t;
}

Status ParseNode(std::string_view bytes, OnnxNode* node, std::map<std::string, OnnxTensor>* tensors) {
  WireReader r(bytes);
  uint32_t field, wire;
  std::vector<OnnxTensor> attribute_tensors;
  while (r.Next(&field, &wire)) {
    std::string_view s;
    bool ok = true;
    if (wire == 2 && field >= 1 && field <= 5) {
      ok = r.ReadBytes(&s);
      if (!ok) break;
      if (field == 1) node->inputs.emplace_back(s);
      if (field == 2) node->outputs.emplace_back(s);
      if (field == 3) node->name = std::string(s);
      if (field == 4) node->op_type = std::string(s);
      if (field == 5) {
        // AttributeProto: we keep only a tensor value (Constant nodes).
        WireReader a(s);
        uint32_t af, aw;
        while (a.Next(&af, &aw)) {
          std::string_view as;
          if (af == 5 && aw == 2) {
            if (!a.ReadBytes(&as)) break;
            OCHRE_ASSIGN_OR_RETURN(OnnxTensor t, ParseTensor(as));
            attribute_tensors.push_back(std::move(t));
          } else if (!a.Skip(aw)) {
            break;
          }
        }
        if (a.failed()) return Bad("a node attribute is truncated");
      }
    } else {
      ok = r.Skip(wire);
    }
    if (!ok) break;
  }
  if (r.failed()) return Bad("a node is truncated");
  if (node->op_type == "Constant" && attribute_tensors.size() == 1 && node->outputs.size() == 1) {
    OnnxTensor t = std::move(attribute_tensors[0]);
    t.name = node->outputs[0];
    (*tensors)[t.name] = std::move(t);
  }
  return Status::Ok();
}

bool ReadName(std::string_view value_info, std::string* name) {
  WireReader r(value_info);
  uint32_t field, wire;
  while (r.Next(&field, &wire)) {
    std::string_view s;
    if (field == 1 && wire == 2) {
      if (!r.ReadBytes(&s)) return false;
      *name = std::string(s);
      return true;
    }
    if (!r.Skip(wire)) return false;
  }
  return !r.failed();
}

Status ParseGraph(std::string_view bytes, OnnxGraph* g) {
  WireReader r(bytes);
  uint32_t field, wire;
  std::vector<std::string> inputs;
  while (r.Next(&field, &wire)) {
    std::string_view s;
    if (wire != 2 || (field != 1 && field != 5 && field != 11 && field != 12)) {
      if (!r.Skip(wire)) break;
      continue;
    }
    if (!r.ReadBytes(&s)) break;
    if (field == 1) {
      OnnxNode node;
      OCHRE_RETURN_IF_ERROR(ParseNode(s, &node, &g->tensors));
      g->nodes.push_back(std::move(node));
    } else if (field == 5) {
      OCHRE_ASSIGN_OR_RETURN(OnnxTensor t, ParseTensor(s));
      std::string name = t.name;
      g->tensors[name] = std::move(t);
    } else {
      std::string name;
      if (!ReadName(s, &name)) return Bad("a graph input or output is truncated");
      (field == 11 ? inputs : g->outputs).push_back(name);
    }
  }
  if (r.failed()) return Bad("the graph is truncated");
  // Older exports list the initializers among the inputs too.
  for (auto& in : inputs) {
    if (!g->tensors.count(in)) g->inputs.push_back(in);
  }
  return Status::Ok();
}

}  // namespace

int64_t OnnxTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 40) / d)) return -1;
    n *= d;
  }
  return n;
}

Result<std::vector<float>> OnnxTensor::Floats() const {
  if (data_type != kOnnxFloat) {
    return Status::InvalidArgument("tensor '" + name + "' is of ONNX type " + std::to_string(data_type) +
                                   ", not float32");
  }
  int64_t n = NumElements();
  if (n < 0) return Status::Corruption("tensor '" + name + "' has a bad shape");
  if (!float_data.empty()) {
    if (int64_t(float_data.size()) != n)
      return Status::Corruption("tensor '" + name + "' has the wrong number of values");
    return float_data;
  }
  if (int64_t(raw.size()) != n * 4) {
    return Status::Corruption("tensor '" + name + "' has " + std::to_string(raw.size()) + " bytes for " +
                              std::to_string(n) + " floats");
  }
  std::vector<float> out(static_cast<size_t>(n));
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

Result<std::vector<int64_t>> OnnxTensor::Int64s() const {
  if (data_type != kOnnxInt64) return Status::InvalidArgument("tensor '" + name + "' is not int64");
  if (!int64_data.empty()) return int64_data;
  if (raw.size() % 8 != 0) return Status::Corruption("tensor '" + name + "' has a partial int64");
  std::vector<int64_t> out(raw.size() / 8);
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

Result<OnnxGraph> ParseOnnxModel(std::string_view bytes) {
  OnnxGraph g;
  WireReader r(bytes);
  uint32_t field, wire;
  bool have_graph = false;
  while (r.Next(&field, &wire)) {
    std::string_view s;
    uint64_t v;
    if (field == 1 && wire == 0) {
      if (!r.ReadVarint(&v)) break;
      g.ir_version = int64_t(v);
    } else if (field == 8 && wire == 2) {
      if (!r.ReadBytes(&s)) break;
      WireReader o(s);
      uint32_t of, ow;
      std::string domain;
      int64_t version = 0;
      while (o.Next(&of, &ow)) {
        std::string_view os;
        if (of == 1 && ow == 2) {
          if (!o.ReadBytes(&os)) break;
          domain = std::string(os);
        } else if (of == 2 && ow == 0) {
          if (!o.ReadVarint(&v)) break;
          version = int64_t(v);
        } else if (!o.Skip(ow)) {
          break;
        }
      }
      if (o.failed()) return Bad("an opset entry is truncated");
      if (domain.empty() || domain == "ai.onnx") g.opset = version;
    } else if (field == 7 && wire == 2) {
      if (!r.ReadBytes(&s)) break;
      OCHRE_RETURN_IF_ERROR(ParseGraph(s, &g));
      have_graph = true;
    } else if (!r.Skip(wire)) {
      break;
    }
  }
  if (r.failed()) return Bad("the file is truncated or not protobuf");
  if (!have_graph || g.nodes.empty()) return Bad("it has no graph");
  return g;
}

}  // namespace ochre::embed
