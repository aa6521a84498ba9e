// Copyright 2026 The OchreDB Authors.
//
// One side of `ochre copy`: a local OchreDB directory (through the public API) or a server that
// speaks Chroma's HTTP API v2 (ours under `ochre run`, Chroma, Chroma's distributed deployment).
// Records travel as RecordBatch/GetResult; collections as CopyCollection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre {
class Client;
}

namespace ochre::interop {

struct CopyCollection {
  std::string name;
  std::optional<Metadata> metadata;
  CollectionConfiguration configuration;
};

struct EndpointOptions {
  std::string tenant = kDefaultTenant;
  std::string database = kDefaultDatabase;
  std::string token;  // sent as `Authorization: Bearer` and `X-Chroma-Token` (HTTP only)
  int timeout_seconds = 60;
};

class CopyEndpoint {
 public:
  virtual ~CopyEndpoint() = default;
  // The largest batch one add may carry (GET /api/v2/pre-flight-checks for a server).
  virtual Result<int64_t> MaxBatchSize() = 0;
  virtual Result<std::vector<CopyCollection>> ListCollections() = 0;
  // nullopt when there is no collection of that name.
  virtual Result<std::optional<CopyCollection>> FindCollection(const std::string& name) = 0;
  virtual Result<int64_t> Count(const std::string& name) = 0;
  virtual Status CreateCollection(const CopyCollection& c) = 0;
  // Records [offset, offset+limit) in the collection's stable order; with `content` false only ids.
  virtual Result<GetResult> ReadPage(const std::string& name, int64_t offset, int64_t limit, bool content) = 0;
  virtual Status Add(const std::string& name, const RecordBatch& batch) = 0;
  // Makes what was added durable (a checkpoint for a local directory).
  virtual Status Finish() { return Status::Ok(); }
};

// `spec` is an http:// or https:// URL (a Chroma API server) or else a directory path. A local
// destination directory is created when missing. Errors: those of PersistentClient::Open;
// InvalidArgument for a malformed URL.
Result<std::unique_ptr<CopyEndpoint>> OpenCopyEndpoint(const std::string& spec, const EndpointOptions& options);

bool IsHttpSpec(const std::string& spec);

std::unique_ptr<CopyEndpoint> MakeLocalEndpoint(std::unique_ptr<Client> client, const Scope& scope);
Result<std::unique_ptr<CopyEndpoint>> MakeChromaHttpEndpoint(const std::string& url, const EndpointOptions& options);

}  // namespace ochre::interop
