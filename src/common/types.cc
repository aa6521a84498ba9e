// Copyright 2026 The OchreDB Authors.
//
// Small helpers of the public value types (include/ochre/types.h).
#include "ochre/types.h"

namespace ochre {

Result<FloatMatrix> FloatMatrix::FromRows(const std::vector<std::vector<float>>& rows) {
  if (rows.empty()) return FloatMatrix();
  size_t dim = rows[0].size();
  for (const auto& r : rows) {
    if (r.empty()) return Status::InvalidArgument("Each embedding must have at least 1 dimension");
    if (r.size() != dim) return Status::InvalidArgument("Inconsistent dimensions in provided embeddings");
  }
  std::vector<float> data;
  data.reserve(rows.size() * dim);
  for (const auto& r : rows) data.insert(data.end(), r.begin(), r.end());
  return FloatMatrix(dim, std::move(data));
}

std::vector<std::vector<float>> FloatMatrix::ToRows() const {
  std::vector<std::vector<float>> out;
  out.reserve(rows());
  for (size_t i = 0; i < rows(); ++i) out.push_back(RowVector(i));
  return out;
}

std::vector<std::string> Include::Names() const {
  std::vector<std::string> out;
  if (documents) out.emplace_back("documents");
  if (embeddings) out.emplace_back("embeddings");
  if (metadatas) out.emplace_back("metadatas");
  if (distances) out.emplace_back("distances");
  if (uris) out.emplace_back("uris");
  return out;
}

const char* SpaceName(Space space) {
  switch (space) {
    case Space::kL2:
      return "l2";
    case Space::kCosine:
      return "cosine";
    case Space::kIp:
      return "ip";
  }
  return "l2";
}

std::string_view Version() { return OCHRE_VERSION_STRING; }

}  // namespace ochre
