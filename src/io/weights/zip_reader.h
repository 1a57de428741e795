// Read-only ZIP directory parser for PyTorch checkpoints (torch.save's zip format).
// ZIP64 records are supported because real checkpoints are 4-10 GB. Only the directory is parsed;
// entry bytes are handed out as spans into the (memory-mapped) archive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace janus {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 = STORED, 8 = DEFLATE, ...
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t data_offset = 0;  // first payload byte, past the local header (validated inside the file)
};

class ZipArchive {
 public:
  // Parses EOCD (+ZIP64 locator/record), the central directory and every local header; every size
  // and offset is checked against the buffer. Throws Error(Format) naming `path` and the field.
  ZipArchive(std::span<const uint8_t> bytes, std::string path);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;
  // Payload of a STORED entry; Error(Unsupported) for compressed or encrypted entries.
  std::span<const uint8_t> stored_data(const ZipEntry& e) const;
  const std::string& path() const { return path_; }

 private:
  std::span<const uint8_t> bytes_;
  std::string path_;
  std::vector<ZipEntry> entries_;  // sorted by name for find()
};

uint32_t crc32_of(std::span<const uint8_t> bytes);

}  // namespace janus
