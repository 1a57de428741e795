// Read-only memory map of a whole file (zero-copy weight access).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace janus {

class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const std::filesystem::path& path);  // throws Error(Io) naming the path
  ~MappedFile();
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Drops the pages wholly inside [p, p + n) of a read-only file mapping from this process
// (madvise DONTNEED; later reads fault them back in from the file). No-op where unsupported.
void release_pages(const void* p, size_t n);

}  // namespace janus
