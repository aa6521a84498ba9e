// Copyright 2026 The OchreDB Authors.
//
// The graph file (docs/format/graph.md). All integers little-endian, through common/coding.h.
//
//   header (160 bytes; 80 in version 1)
//     0  magic "OCHREHNS"          8 bytes
//     8  format version            u32 (2; 1 still loads)
//    12  header size               u32 (160; 80 in version 1)
//    16  dim                       u32
//    20  space                     u32 (0 l2, 1 cosine, 2 ip)
//    24  M (max_neighbors)         u32
//    28  ef_construction           u32
//    32  covered rows H            u32 (the graph describes rows < H)
//    36  entry point               u32 (0xFFFFFFFF when empty)
//    40  max level + 1             u32 (0 when empty)
//    44  node count                u32
//    48  deleted count             u32 (tombstones below H)
//    52  upper node count          u32 (nodes with level > 0)
//    56  vector fingerprint        u32 (CRC-32C of sampled rows' vectors: catches a graph of other vectors)
//    60  reserved                  u32 (0)
//    64  body size                 u64
//    72  body CRC-32C              u32
//    76  header CRC-32C            u32 (of bytes 0..75, then, version 2, of bytes 80..159)
//    80  identity                  76 bytes (version 2): collection id and generation
//                                  (common/file_identity.h)
//   156  reserved                  u32 (0)
//   body
//     levels: H bytes, 0 = row not in the graph, else level + 1 (1..16)
//     tombstones: ceil(H / 64) u64 words, bit r % 64 of word r / 64
//     cosine only: inverse norms, H float32 (0 for rows not in the graph), so that opening a
//       collection need not read every vector
//     links: for each node in row order, for each level 0..L: u32 count, count u32 rows
//
// Loading trusts nothing: sizes are checked before every read, counts against their maximum,
// every link against the row range, the node set and the level of its target.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_identity.h"
#include "index/distance/space.h"
#include "index/hnsw/hnsw_index.h"

namespace ochre::index {
namespace {

constexpr char kMagic[8] = {'O', 'C', 'H', 'R', 'E', 'H', 'N', 'S'};
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kHeaderSizeV1 = 80;
constexpr uint32_t kHeaderSize = 160;
// Rows sampled for the vector fingerprint: enough to tell two collections apart, few enough that
// opening a collection reads almost none of its vectors.
constexpr uint32_t kFingerprintRows = 16;

Status Bad(const std::string& what) { return Status::Corruption("hnsw graph: " + what); }

std::string Num(uint64_t v) { return std::to_string(v); }

// Bounds-checked reader over the body.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool U32(uint32_t* v) {
    if (bytes_.size() - pos_ < 4) return false;
    *v = DecodeFixed32(bytes_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (bytes_.size() - pos_ < 8) return false;
    *v = DecodeFixed64(bytes_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool Bytes(size_t n, const char** p) {
    if (bytes_.size() - pos_ < n) return false;
    *p = bytes_.data() + pos_;
    pos_ += n;
    return true;
  }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// CRC-32C of the vectors of up to kFingerprintRows rows spread over [0, covered), the last included.
uint32_t VectorFingerprint(const RowChunks& rows, uint32_t covered) {
  if (covered == 0) return 0;
  uint32_t crc = 0;
  const size_t bytes = size_t(rows.dim()) * sizeof(float);
  const uint32_t step = std::max<uint32_t>(1, covered / kFingerprintRows);
  // CopyRow, not the mapping: loading a graph then leaves no float row resident.
  std::vector<float> row(rows.dim());
  for (uint64_t r = 0; r < covered; r += step) {
    rows.CopyRow(uint32_t(r), row.data());
    crc = crc32c::Extend(crc, row.data(), bytes);
  }
  rows.CopyRow(covered - 1, row.data());
  return crc32c::Extend(crc, row.data(), bytes);
}

}  // namespace

Status SaveGraph(const HnswIndex& index, std::string* out, const FileIdentity& identity) {
  // Excludes inserts, so the graph is not changing while it is written; searches go on.
  std::lock_guard<std::mutex> lock(index.write_mutex_);
  const HnswGraph& g = index.graph_;
  const uint32_t covered = index.covered_rows();
  std::string body;
  uint32_t nodes = 0, upper_nodes = 0, deleted = 0;
  body.reserve(size_t(covered) * (1 + 4 + 4 * g.m()));
  for (uint32_t r = 0; r < covered; ++r) {
    int level = g.Level(r);
    body.push_back(char(uint8_t(level + 1)));
    if (level >= 0) ++nodes;
    if (level > 0) ++upper_nodes;
  }
  for (uint32_t w = 0; w < (uint64_t(covered) + 63) / 64; ++w) {
    uint64_t bits = 0;
    for (uint32_t b = 0; b < 64 && uint64_t(w) * 64 + b < covered; ++b) {
      if (index.deleted_.Test(w * 64 + b)) bits |= uint64_t{1} << b;
    }
    deleted += uint32_t(std::popcount(bits));
    PutFixed64(&body, bits);
  }
  if (index.space() == Space::kCosine) {
    for (uint32_t r = 0; r < covered; ++r) PutFloat(&body, g.Level(r) >= 0 ? index.inv_norms_[r] : 0.0f);
  }
  std::vector<uint32_t> links(g.MaxLinks(0));
  for (uint32_t r = 0; r < covered; ++r) {
    int level = g.Level(r);
    for (int l = 0; l <= level; ++l) {
      uint32_t n = g.ReadLinks(r, l, links.data());
      PutFixed32(&body, n);
      for (uint32_t i = 0; i < n; ++i) PutFixed32(&body, links[i]);
    }
  }
  HnswGraph::Entry e = g.entry();
  out->clear();
  out->reserve(kHeaderSize + body.size());
  out->append(kMagic, sizeof(kMagic));
  PutFixed32(out, kFormatVersion);
  PutFixed32(out, kHeaderSize);
  PutFixed32(out, index.dim());
  PutFixed32(out, uint32_t(index.space()));
  PutFixed32(out, g.m());
  PutFixed32(out, index.ef_construction());
  PutFixed32(out, covered);
  PutFixed32(out, e.node);
  PutFixed32(out, uint32_t(e.level + 1));
  PutFixed32(out, nodes);
  PutFixed32(out, deleted);
  PutFixed32(out, upper_nodes);
  PutFixed32(out, VectorFingerprint(*index.rows_, covered));
  PutFixed32(out, 0);
  PutFixed64(out, body.size());
  PutFixed32(out, crc32c::Value(body));
  std::string tail = EncodeFileIdentity(identity);
  PutFixed32(&tail, 0);
  PutFixed32(out, crc32c::Extend(crc32c::Value(out->data(), out->size()), tail.data(), tail.size()));
  out->append(tail);
  out->append(body);
  return Status::Ok();
}

Result<std::unique_ptr<HnswIndex>> LoadGraph(const HnswConfig& config, const RowChunks* rows, std::string_view bytes,
                                             HnswOptions options, const FileIdentity& expected) {
  if (bytes.size() < kHeaderSizeV1) {
    return Bad("file of " + Num(bytes.size()) + " bytes is shorter than the " + Num(kHeaderSizeV1) + "-byte header");
  }
  const char* h = bytes.data();
  if (std::string_view(h, 8) != std::string_view(kMagic, 8)) return Bad("bad magic (not a graph file)");
  // The version is read before the checksum is verified only to know how many bytes it covers; a
  // damaged version field fails the checksum of either length.
  const uint32_t version = DecodeFixed32(h + 8);
  const uint32_t header_size = version >= 2 ? kHeaderSize : kHeaderSizeV1;
  if (bytes.size() < header_size) return Bad("file of " + Num(bytes.size()) + " bytes is shorter than its header");
  uint32_t header_crc = crc32c::Value(h, 76);
  if (version >= 2) header_crc = crc32c::Extend(header_crc, h + 80, kHeaderSize - 80);
  if (DecodeFixed32(h + 76) != header_crc) return Bad("header checksum mismatch");
  if (version > kFormatVersion) {
    return Status::NotSupported("hnsw graph: format version " + Num(version) + " is newer than this build's " +
                                Num(kFormatVersion));
  }
  if (version == 0) return Bad("unknown format version " + Num(version));
  if (DecodeFixed32(h + 12) != header_size) return Bad("header size " + Num(DecodeFixed32(h + 12)));
  if (version >= 2) {
    OCHRE_ASSIGN_OR_RETURN(FileIdentity stored, DecodeFileIdentity(bytes.substr(80), "hnsw graph"));
    OCHRE_RETURN_IF_ERROR(CheckFileIdentity(stored, expected, "hnsw graph"));
    if (DecodeFixed32(h + 156) != 0) return Bad("reserved header field is " + Num(DecodeFixed32(h + 156)));
  }
  const uint32_t dim = DecodeFixed32(h + 16), space = DecodeFixed32(h + 20), m = DecodeFixed32(h + 24);
  const uint32_t covered = DecodeFixed32(h + 32), entry = DecodeFixed32(h + 36);
  const int max_level = int(DecodeFixed32(h + 40)) - 1;
  const uint32_t nodes = DecodeFixed32(h + 44), deleted = DecodeFixed32(h + 48), upper_nodes = DecodeFixed32(h + 52);
  const uint32_t fingerprint = DecodeFixed32(h + 56), reserved = DecodeFixed32(h + 60);
  const uint64_t body_size = DecodeFixed64(h + 64);
  if (reserved != 0) return Bad("reserved header field is " + Num(reserved));
  if (body_size != bytes.size() - header_size) {
    return Bad("body is " + Num(bytes.size() - header_size) + " bytes, header says " + Num(body_size) +
               " (truncated or padded)");
  }
  std::string_view body = bytes.substr(header_size);
  if (DecodeFixed32(h + 72) != crc32c::Value(body)) return Bad("body checksum mismatch");

  // Parameters must match the collection the graph is loaded for.
  if (dim != rows->dim()) return Bad("dimension " + Num(dim) + " does not match the vectors' " + Num(rows->dim()));
  if (space != uint32_t(config.space)) return Bad("space " + Num(space) + " does not match the collection's");
  auto index = MakeHnswIndex(config, rows, options);
  if (m != index->max_neighbors()) {
    return Bad("built with M=" + Num(m) + ", configuration says " + Num(index->max_neighbors()));
  }
  if (covered > rows->rows()) {
    return Bad("covers " + Num(covered) + " rows but only " + Num(rows->rows()) + " vectors exist");
  }
  if (VectorFingerprint(*rows, covered) != fingerprint) {
    return Bad("built over other vectors (fingerprint mismatch: another collection's graph, or vectors rewritten)");
  }
  if (max_level > HnswGraph::kMaxLevel) return Bad("max level " + Num(uint32_t(max_level)));
  // Size equation of the fixed parts, before reading them.
  const bool cosine = config.space == Space::kCosine;
  const uint64_t words = (uint64_t(covered) + 63) / 64;
  const uint64_t norms_size = cosine ? uint64_t(covered) * 4 : 0;
  const uint64_t links_min = uint64_t(nodes) * 4;
  if (body_size < uint64_t(covered) + words * 8 + norms_size + links_min) {
    return Bad("body of " + Num(body_size) + " bytes too small for " + Num(covered) + " rows");
  }

  Reader in(body);
  const char* levels = nullptr;
  in.Bytes(covered, &levels);
  uint32_t seen_nodes = 0, seen_upper = 0;
  int seen_max = -1;
  for (uint32_t r = 0; r < covered; ++r) {
    uint8_t v = uint8_t(levels[r]);
    if (v > HnswGraph::kMaxLevel + 1) return Bad("row " + Num(r) + " has level " + Num(v - 1));
    if (v == 0) continue;
    ++seen_nodes;
    if (v > 1) ++seen_upper;
    seen_max = std::max(seen_max, int(v) - 1);
  }
  if (seen_nodes != nodes) return Bad("node count " + Num(nodes) + " but " + Num(seen_nodes) + " levels set");
  if (seen_upper != upper_nodes) return Bad("upper node count " + Num(upper_nodes) + " but " + Num(seen_upper));
  if (seen_max != max_level) return Bad("max level does not match the levels");
  if (nodes == 0) {
    if (entry != HnswGraph::kNone) return Bad("entry point set in an empty graph");
  } else if (entry >= covered || int(uint8_t(levels[entry])) - 1 != max_level) {
    return Bad("entry point " + Num(entry) + " is not a node of the top level");
  }

  HnswIndex& idx = *index;
  HnswGraph& g = idx.graph_;
  g.Reserve(covered);
  idx.present_.Reserve(covered);
  idx.deleted_.Reserve(covered);
  if (cosine) idx.inv_norms_.Reserve(covered);
  uint32_t seen_deleted = 0;
  for (uint64_t w = 0; w < words; ++w) {
    uint64_t bits = 0;
    in.U64(&bits);
    if (w == words - 1 && covered % 64 != 0 && (bits >> (covered % 64)) != 0) return Bad("tombstone past the rows");
    seen_deleted += uint32_t(std::popcount(bits));
    while (bits) {
      idx.deleted_.Set(uint32_t(w * 64 + uint64_t(std::countr_zero(bits))));
      bits &= bits - 1;
    }
  }
  if (seen_deleted != deleted) return Bad("tombstone count " + Num(deleted) + " but " + Num(seen_deleted) + " set");
  if (cosine) {
    const char* norms = nullptr;
    in.Bytes(norms_size, &norms);
    for (uint32_t r = 0; r < covered; ++r) {
      float v = DecodeFloat(norms + size_t(r) * 4);
      if (!std::isfinite(v) || v < 0) return Bad("row " + Num(r) + " has inverse norm " + std::to_string(v));
      idx.inv_norms_[r] = v;
    }
  }

  std::vector<uint32_t> links(g.MaxLinks(0));
  for (uint32_t r = 0; r < covered; ++r) {
    const int level = int(uint8_t(levels[r])) - 1;
    if (level < 0) continue;
    g.InitNode(r, level);
    for (int l = 0; l <= level; ++l) {
      uint32_t n = 0;
      if (!in.U32(&n)) return Bad("links of row " + Num(r) + " truncated");
      if (n > g.MaxLinks(l)) return Bad("row " + Num(r) + " has " + Num(n) + " links on level " + Num(uint32_t(l)));
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t t = 0;
        if (!in.U32(&t)) return Bad("links of row " + Num(r) + " truncated");
        if (t >= covered || t == r || int(uint8_t(levels[t])) - 1 < l) {
          return Bad("row " + Num(r) + " level " + Num(uint32_t(l)) + " links to invalid row " + Num(t));
        }
        links[i] = t;
      }
      g.LockedSet(r, l, links.data(), n);
    }
    g.PublishNode(r, level);
    idx.present_.Set(r);
    if (!idx.deleted_.Test(r)) idx.live_.fetch_add(1, std::memory_order_relaxed);
  }
  if (in.remaining() != 0) return Bad(Num(in.remaining()) + " bytes left over after the links");
  if (nodes > 0) g.set_entry(entry, max_level);
  idx.covered_rows_.store(covered, std::memory_order_release);
  if (options.quantized_search && !options.defer_quantizer && nodes >= HnswIndex::kQuantizerMinRows) {
    idx.codes_.Reserve(covered);
    idx.TrainQuantizer({});
  }
  return index;
}

}  // namespace ochre::index
