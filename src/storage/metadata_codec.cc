// Copyright 2026 The OchreDB Authors.
#include "storage/metadata_codec.h"

#include <nlohmann/json.hpp>

namespace ochre::storage {

namespace {

nlohmann::json ToJson(const MetadataValue& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, SparseVector>) {
          return SparseVectorToJson(x);
        } else {
          return x;
        }
      },
      v);
}

Result<MetadataValue> FromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      auto sv = SparseVectorFromJson(j);
      if (!sv.ok()) return Status::Corruption("stored metadata: " + sv.status().message());
      return MetadataValue(std::move(*sv));
    }
    case nlohmann::json::value_t::boolean:
      return MetadataValue(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return MetadataValue(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return MetadataValue(int64_t(j.get<uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return MetadataValue(j.get<double>());
    case nlohmann::json::value_t::string:
      return MetadataValue(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      if (j.empty()) return Status::Corruption("stored metadata has an empty array");
      const auto& first = j.front();
      if (first.is_boolean()) return MetadataValue(j.get<std::vector<bool>>());
      if (first.is_number_integer()) return MetadataValue(j.get<std::vector<int64_t>>());
      if (first.is_number_float()) return MetadataValue(j.get<std::vector<double>>());
      if (first.is_string()) return MetadataValue(j.get<std::vector<std::string>>());
      return Status::Corruption("stored metadata has an array of an unknown type");
    }
    default:
      return Status::Corruption("stored metadata has a value of an unknown type");
  }
}

}  // namespace

nlohmann::json SparseVectorToJson(const SparseVector& v) {
  nlohmann::json j = nlohmann::json::object();
  j[kSparseTypeKey] = kSparseTypeValue;
  j["indices"] = v.indices;
  nlohmann::json values = nlohmann::json::array();
  // Each float32 as the double of the same value: exact, and read back to the same float.
  for (float f : v.values) values.push_back(double(f));
  j["values"] = std::move(values);
  if (v.tokens) j["tokens"] = *v.tokens;
  return j;
}

Result<SparseVector> SparseVectorFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("Expected a sparse vector object");
  auto type = j.find(kSparseTypeKey);
  if (type == j.end() || !type->is_string() || type->get<std::string>() != kSparseTypeValue) {
    return Status::InvalidArgument(std::string("Expected ") + kSparseTypeKey + "='" + kSparseTypeValue + "'");
  }
  SparseVector out;
  auto indices = j.find("indices");
  auto values = j.find("values");
  if (indices == j.end() || !indices->is_array() || values == j.end() || !values->is_array()) {
    return Status::InvalidArgument("A sparse vector needs the arrays 'indices' and 'values'");
  }
  for (const auto& e : *indices) {
    const bool in_range = e.is_number_integer() && (e.is_number_unsigned() || e.get<int64_t>() >= 0) &&
                          e.get<uint64_t>() <= 0xffffffffull;
    if (!in_range) {
      return Status::InvalidArgument("Sparse vector indices must be integers in [0, 4294967295]");
    }
    out.indices.push_back(uint32_t(e.get<uint64_t>()));
  }
  for (const auto& e : *values) {
    if (!e.is_number()) return Status::InvalidArgument("Sparse vector values must be numbers");
    out.values.push_back(float(e.get<double>()));
  }
  auto tokens = j.find("tokens");
  if (tokens != j.end() && !tokens->is_null()) {
    if (!tokens->is_array()) return Status::InvalidArgument("Sparse vector tokens must be a list of strings");
    std::vector<std::string> t;
    for (const auto& e : *tokens) {
      if (!e.is_string()) return Status::InvalidArgument("Sparse vector tokens must be a list of strings");
      t.push_back(e.get<std::string>());
    }
    out.tokens = std::move(t);
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != kSparseTypeKey && it.key() != "indices" && it.key() != "values" && it.key() != "tokens") {
      return Status::InvalidArgument("Unknown field '" + it.key() + "' in a sparse vector");
    }
  }
  OCHRE_RETURN_IF_ERROR(ValidateSparseVector(out));
  return out;
}

std::string EncodeMetadata(const Metadata& metadata) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : metadata) j[k] = ToJson(v);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Metadata> DecodeMetadata(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("stored metadata is not a JSON object");
  Metadata out;
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      OCHRE_ASSIGN_OR_RETURN(MetadataValue v, FromJson(it.value()));
      out.emplace(it.key(), std::move(v));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("stored metadata: ") + e.what());
  }
  return out;
}

}  // namespace ochre::storage
