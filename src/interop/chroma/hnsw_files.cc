// Copyright 2026 The OchreDB Authors.
#include "interop/chroma/hnsw_files.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace ochre::interop::chroma {
namespace {

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Corruption(path + ": missing or unreadable (an HNSW file of the Chroma segment)");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

template <typename T>
T At(const std::string& s, size_t off) {
  T v;
  std::memcpy(&v, s.data() + off, sizeof(T));
  return v;
}

}  // namespace

Result<HnswFiles> HnswFiles::Open(const std::string& folder) {
  HnswFiles h;
  h.folder_ = folder;
  OCHRE_ASSIGN_OR_RETURN(std::string header, ReadAll(folder + "/header.bin"));
  const std::string hp = folder + "/header.bin";
  if (header.size() < 100)
    return Status::Corruption(hp + ": " + std::to_string(header.size()) + " bytes, expected 100");
  int32_t version = At<int32_t>(header, 0);
  if (version != 1)
    return Status::NotSupported(hp + ": hnswlib persistence version " + std::to_string(version) + " (known: 1)");
  uint64_t offset_level0 = At<uint64_t>(header, 4);
  h.count_ = At<uint64_t>(header, 20);
  h.per_element_ = At<uint64_t>(header, 28);
  h.label_offset_ = At<uint64_t>(header, 36);
  h.data_offset_ = At<uint64_t>(header, 44);
  if (offset_level0 != 0 || h.per_element_ == 0 || h.label_offset_ + 8 != h.per_element_ ||
      h.data_offset_ >= h.label_offset_ || (h.label_offset_ - h.data_offset_) % 4 != 0)
    return Status::Corruption(hp + ": inconsistent element layout");
  h.dim_ = (h.label_offset_ - h.data_offset_) / 4;
  OCHRE_ASSIGN_OR_RETURN(h.level0_, ReadAll(folder + "/data_level0.bin"));
  if (h.level0_.size() < h.count_ * h.per_element_)
    return Status::Corruption(folder + "/data_level0.bin: " + std::to_string(h.level0_.size()) +
                              " bytes, the header says " + std::to_string(h.count_) + " elements of " +
                              std::to_string(h.per_element_));
  OCHRE_ASSIGN_OR_RETURN(h.length_, ReadAll(folder + "/length.bin"));
  for (size_t i = 0; i < h.count_; ++i)
    h.label_to_internal_[At<uint64_t>(h.level0_, i * h.per_element_ + h.label_offset_)] = i;
  return h;
}

Result<bool> HnswFiles::VectorOfLabel(uint64_t label, bool normalized, std::vector<float>* out) const {
  auto it = label_to_internal_.find(label);
  if (it == label_to_internal_.end()) return false;
  size_t base = it->second * per_element_;
  // The level-0 list starts with a 4-byte header: a 2-byte count, then a flag byte (DELETE_MARK 0x01).
  if (static_cast<uint8_t>(level0_[base + 2]) & 0x01) return false;
  out->resize(dim_);
  std::memcpy(out->data(), level0_.data() + base + data_offset_, dim_ * 4);
  if (normalized) {
    if (length_.size() < (it->second + 1) * 4)
      return Status::Corruption(folder_ + "/length.bin: shorter than the element count");
    float len = At<float>(length_, it->second * 4);
    for (float& x : *out) x = x * len;
  }
  return true;
}

}  // namespace ochre::interop::chroma
