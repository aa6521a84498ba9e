// Copyright 2026 The OchreDB Authors.
#include "api/collection_state.h"

#include "common/file.h"
#include "common/logging.h"
#include "index/flat_index.h"

namespace ochre::api {

Status CollectionState::NotFoundIfDeleted() const {
  if (deleted()) return Status::NotFound("Collection [" + uuid_ + "] does not exist.");
  return Status::Ok();
}

Result<std::unique_ptr<storage::VectorStore>> CollectionState::OpenStore(uint32_t dim, uint64_t committed_rows,
                                                                         bool create) {
  if (dir_.empty()) {
    if (committed_rows != 0) return Status::Internal("ephemeral collection with committed rows but no vectors");
    return storage::NewMemoryVectorStore(dim);
  }
  if (create) OCHRE_RETURN_IF_ERROR(CreateDirs(dir_));
  return storage::OpenFileVectorStore(JoinPath(dir_, "vectors.f32"), dim, committed_rows, create);
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::Runtime(const storage::CollectionRow& row, Space space,
                                                                storage::CatalogConn* conn) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  if (loaded_) return runtime_;
  if (!row.dimension) {
    loaded_ = true;
    return runtime_;
  }
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = uint32_t(*row.dimension);
  // A collection that has a dimension but never committed a row may have no file yet.
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(rt->dim, uint64_t(row.committed_rows), /*create=*/true));
  rt->index = index::MakeFlatIndex(space, &rt->store->rows());
  OCHRE_ASSIGN_OR_RETURN(std::vector<uint32_t> live, conn->LiveRows(cid_));
  for (uint32_t r : live) {
    if (r >= rt->store->size()) {
      return Status::Corruption("collection " + uuid_ + ": a record points at vector row " + std::to_string(r) +
                                " but vectors.f32 has " + std::to_string(rt->store->size()) + " rows");
    }
  }
  OCHRE_RETURN_IF_ERROR(rt->index->Insert(live));
  runtime_ = std::move(rt);
  loaded_ = true;
  return runtime_;
}

Result<std::shared_ptr<VectorRuntime>> CollectionState::CreateRuntime(uint32_t dim, Space space) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  if (runtime_) return runtime_;
  auto rt = std::make_shared<VectorRuntime>();
  rt->dim = dim;
  OCHRE_ASSIGN_OR_RETURN(rt->store, OpenStore(dim, 0, /*create=*/true));
  rt->index = index::MakeFlatIndex(space, &rt->store->rows());
  runtime_ = std::move(rt);
  loaded_ = true;
  return runtime_;
}

void CollectionState::Unload() {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  runtime_.reset();
  loaded_ = false;
}

}  // namespace ochre::api
