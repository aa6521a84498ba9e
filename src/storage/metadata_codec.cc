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
        } else {
          return x;
        }
      },
      v);
}

Result<MetadataValue> FromJson(const nlohmann::json& j) {
  switch (j.type()) {
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
