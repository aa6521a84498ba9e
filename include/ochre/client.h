// Copyright 2026 The OchreDB Authors.
//
// Clients: PersistentClient (a directory on disk) and EphemeralClient (the same engine, nothing on
// disk). A client is safe to use from several threads. Within one process, every client on the same
// canonical path shares one engine; all ephemeral clients share one in-memory engine (as Chroma).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/collection.h"
#include "ochre/embedding_function.h"
#include "ochre/result.h"
#include "ochre/status.h"
#include "ochre/types.h"

namespace ochre {

struct Settings {
  bool allow_reset = false;
  // How long a write waits for another process's commit to finish (the database's write lock is held for
  // one commit at a time) before it fails with Locked naming that process.
  int64_t lock_timeout_ms = 30000;
  // How many collections keep their files open and their indexes in memory at once; past it the
  // least recently used idle ones are closed and reopened on their next use (their handles stay
  // valid). 0: automatic (a quarter of the soft open-file limit, at most 2048). The environment
  // variable OCHRE_MAX_OPEN_COLLECTIONS, when set, overrides both.
  size_t max_open_collections = 0;
};

// Marks "use the collection's recorded embedding function" (GetCollection's default).
struct FromCollectionConfig {};

struct CreateCollectionOptions {
  std::string name;
  std::optional<Metadata> metadata;
  std::optional<CollectionConfigurationUpdate> configuration;
  // The function to embed documents and query texts with; null: none (only explicit embeddings).
  std::shared_ptr<EmbeddingFunction> embedding_function = DefaultEmbeddingFunction();
  // When false and the name is taken: AlreadyExists. When true: the existing collection, unchanged.
  bool get_or_create = false;
  // Chroma's Schema as JSON ({"defaults": {...}, "keys": {...}}); nullopt: the default schema. Its
  // vector index may set the space, HNSW parameters and embedding function (then `configuration`
  // must not set them too).
  std::optional<std::string> schema_json;
};

struct GetCollectionOptions {
  // nullopt: rebuild the recorded built-in function (or none when it is not built-in). A function
  // given here must have the recorded name, or the call fails with InvalidArgument.
  std::optional<std::shared_ptr<EmbeddingFunction>> embedding_function;
};

class Client {
 public:
  virtual ~Client() = default;

  // Nanoseconds since the epoch.
  virtual int64_t Heartbeat() const = 0;
  virtual std::string Version() const = 0;
  // The largest batch add/upsert/update accept.
  virtual int64_t MaxBatchSize() const = 0;
  virtual const Settings& settings() const = 0;
  // The directory, or "" for an ephemeral client.
  virtual const std::string& path() const = 0;

  virtual Result<std::shared_ptr<Collection>> CreateCollection(const CreateCollectionOptions& options,
                                                               const Scope& scope = {}) = 0;
  virtual Result<std::shared_ptr<Collection>> GetOrCreateCollection(const CreateCollectionOptions& options,
                                                                    const Scope& scope = {}) = 0;
  virtual Result<std::shared_ptr<Collection>> GetCollection(std::string_view name,
                                                            const GetCollectionOptions& options = {},
                                                            const Scope& scope = {}) = 0;
  virtual Result<std::shared_ptr<Collection>> GetCollectionById(std::string_view id,
                                                                const GetCollectionOptions& options = {},
                                                                const Scope& scope = {}) = 0;
  // Ordered by collection id, as Chroma.
  virtual Result<std::vector<CollectionInfo>> ListCollections(std::optional<int64_t> limit = std::nullopt,
                                                              std::optional<int64_t> offset = std::nullopt,
                                                              const Scope& scope = {}) = 0;
  virtual Result<int64_t> CountCollections(const Scope& scope = {}) = 0;
  virtual Status DeleteCollection(std::string_view name, const Scope& scope = {}) = 0;

  // Deletes everything and recreates the default tenant and database. PermissionDenied unless
  // Settings::allow_reset.
  virtual Status Reset() = 0;

  virtual Status CreateTenant(std::string_view name) = 0;
  virtual Result<std::string> GetTenant(std::string_view name) = 0;
  virtual Status CreateDatabase(std::string_view name, std::string_view tenant = kDefaultTenant) = 0;
  virtual Result<DatabaseInfo> GetDatabase(std::string_view name, std::string_view tenant = kDefaultTenant) = 0;
  virtual Status DeleteDatabase(std::string_view name, std::string_view tenant = kDefaultTenant) = 0;
  // Ordered by name.
  virtual Result<std::vector<DatabaseInfo>> ListDatabases(std::optional<int64_t> limit = std::nullopt,
                                                          std::optional<int64_t> offset = std::nullopt,
                                                          std::string_view tenant = kDefaultTenant) = 0;

  // Brings every loaded collection's HNSW graph up to date (the background indexer's pending rows)
  // and writes its checkpoint now. Checkpoints are also written at thresholds and when the last
  // client on a path closes. Durability never depends on it: every acknowledged write is already
  // on disk, and queries are exact for rows the graph has not reached yet.
  virtual Status Checkpoint() = 0;
};

class PersistentClient {
 public:
  // Opens (creating if needed) the database in directory `path`. Errors: InvalidArgument when the
  // path is a regular file; PermissionDenied / ReadOnly when it cannot be written; Locked (naming the
  // holder's pid) when another process has it open; NotSupported when it holds a newer format.
  static Result<std::unique_ptr<Client>> Open(const std::string& path, const Settings& settings = {});
};

class EphemeralClient {
 public:
  static Result<std::unique_ptr<Client>> Open(const Settings& settings = {});
};

// The OchreDB version, e.g. "0.1.0".
std::string_view Version();

}  // namespace ochre
