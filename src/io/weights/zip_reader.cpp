#include "io/weights/zip_reader.h"

#include <algorithm>
#include <array>

#include "core/error.h"
#include "io/weights/byte_cursor.h"

namespace janus {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEocdSig = 0x06054b50,
                   kEocd64Sig = 0x06064b50, kLocatorSig = 0x07064b50;
constexpr size_t kEocdSize = 22, kLocatorSize = 20, kEocd64Size = 56, kCentralSize = 46, kLocalSize = 30;

struct Directory {
  uint64_t entries = 0, cd_size = 0, cd_offset = 0;
  uint64_t end = 0;  // where the directory must end (start of the ZIP64 record or the EOCD)
};

// Last EOCD signature whose comment fits in the file (the comment may itself contain the bytes).
size_t find_eocd(std::span<const uint8_t> b, const std::string& path) {
  if (b.size() < kEocdSize)
    fail(ErrorKind::Format, path, "not a zip archive (too small for an end-of-directory record)");
  const size_t last = b.size() - kEocdSize;
  const size_t first = last > 0xffff ? last - 0xffff : 0;
  for (size_t p = last + 1; p-- > first;) {
    if (load_le<uint32_t>(b.data() + p) != kEocdSig) continue;
    size_t comment = load_le<uint16_t>(b.data() + p + 20);
    if (p + kEocdSize + comment <= b.size()) return p;
  }
  fail(ErrorKind::Format, path, "not a zip archive (no end-of-central-directory record)");
}

Directory read_directory_location(std::span<const uint8_t> b, const std::string& path) {
  const size_t eocd = find_eocd(b, path);
  ByteCursor c(b.subspan(eocd, kEocdSize), path + ":end_of_central_directory");
  c.le<uint32_t>("signature");
  uint16_t disk = c.le<uint16_t>("disk"), cd_disk = c.le<uint16_t>("cd_disk");
  uint16_t n_disk = c.le<uint16_t>("entries_on_disk"), n_total = c.le<uint16_t>("entries");
  uint32_t cd_size = c.le<uint32_t>("cd_size"), cd_offset = c.le<uint32_t>("cd_offset");
  Directory d{n_total, cd_size, cd_offset, eocd};

  const bool has_locator =
      eocd >= kLocatorSize && load_le<uint32_t>(b.data() + eocd - kLocatorSize) == kLocatorSig;
  if (has_locator) {
    const std::string where = path + ":zip64_locator";
    ByteCursor l(b.subspan(eocd - kLocatorSize, kLocatorSize), where);
    l.le<uint32_t>("signature");
    uint32_t rec_disk = l.le<uint32_t>("disk");
    uint64_t rec_off = l.le<uint64_t>("record_offset");
    uint32_t disks = l.le<uint32_t>("total_disks");
    if (rec_disk != 0 || disks > 1)
      fail(ErrorKind::Unsupported, where, "multi-disk zip archives are not supported");
    if (rec_off > eocd - kLocatorSize || eocd - kLocatorSize - rec_off < kEocd64Size)
      fail(ErrorKind::Format, where,
           "ZIP64 end record offset " + std::to_string(rec_off) + " is outside the file");
    const std::string rw = path + ":zip64_end_of_central_directory";
    ByteCursor r(b.subspan(size_t(rec_off), kEocd64Size), rw);
    if (r.le<uint32_t>("signature") != kEocd64Sig) fail(ErrorKind::Format, rw, "bad signature");
    r.le<uint64_t>("record_size");
    r.le<uint16_t>("version_made_by");
    r.le<uint16_t>("version_needed");
    uint32_t disk64 = r.le<uint32_t>("disk"), cd_disk64 = r.le<uint32_t>("cd_disk");
    uint64_t n_disk64 = r.le<uint64_t>("entries_on_disk");
    d.entries = r.le<uint64_t>("entries");
    d.cd_size = r.le<uint64_t>("cd_size");
    d.cd_offset = r.le<uint64_t>("cd_offset");
    d.end = rec_off;
    if (disk64 != 0 || cd_disk64 != 0 || n_disk64 != d.entries)
      fail(ErrorKind::Unsupported, rw, "multi-disk zip archives are not supported");
  } else {
    if (disk != 0 || cd_disk != 0 || n_disk != n_total)
      fail(ErrorKind::Unsupported, path + ":end_of_central_directory",
           "multi-disk zip archives are not supported");
    if (n_total == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu)
      fail(ErrorKind::Format, path + ":end_of_central_directory", "ZIP64 values without a ZIP64 locator");
  }
  if (d.cd_offset > d.end || d.cd_size > d.end - d.cd_offset)
    fail(ErrorKind::Format, path + ":central_directory",
         "offset " + std::to_string(d.cd_offset) + " + size " + std::to_string(d.cd_size) +
             " is outside the file");
  if (d.entries > d.cd_size / kCentralSize)
    fail(ErrorKind::Format, path + ":central_directory",
         std::to_string(d.entries) + " entries cannot fit in " + std::to_string(d.cd_size) + " bytes");
  return d;
}

// Replaces 0xFFFFFFFF fields with the ZIP64 extra-field values (present only for saturated fields, in order).
void apply_zip64_extra(std::span<const uint8_t> extra, ZipEntry& e, uint64_t& local_offset, bool need_usize,
                       bool need_csize, bool need_offset, const std::string& where) {
  ByteCursor c(extra, where + ".extra");
  bool found = false;
  while (c.remaining() >= 4) {
    uint16_t id = c.le<uint16_t>("extra id"), len = c.le<uint16_t>("extra length");
    auto body = c.take(len, "extra field");
    if (id != 0x0001) continue;
    found = true;
    ByteCursor z(body, where + ".zip64_extra");
    if (need_usize) e.uncompressed_size = z.le<uint64_t>("uncompressed size");
    if (need_csize) e.compressed_size = z.le<uint64_t>("compressed size");
    if (need_offset) local_offset = z.le<uint64_t>("local header offset");
  }
  if (!found && (need_usize || need_csize || need_offset))
    fail(ErrorKind::Format, where, "sizes saturated at 0xFFFFFFFF but no ZIP64 extra field");
}

}  // namespace

ZipArchive::ZipArchive(std::span<const uint8_t> bytes, std::string path)
    : bytes_(bytes), path_(std::move(path)) {
  const Directory d = read_directory_location(bytes_, path_);
  ByteCursor c(bytes_.subspan(size_t(d.cd_offset), size_t(d.cd_size)), path_ + ":central_directory");
  entries_.reserve(size_t(d.entries));
  for (uint64_t i = 0; i < d.entries; ++i) {
    const std::string where = path_ + ":central_directory[" + std::to_string(i) + "]";
    if (c.remaining() < kCentralSize || c.le<uint32_t>("signature") != kCentralSig)
      fail(ErrorKind::Format, where, "bad central directory entry signature");
    ZipEntry e;
    c.le<uint16_t>("version_made_by");
    c.le<uint16_t>("version_needed");
    e.flags = c.le<uint16_t>("flags");
    e.method = c.le<uint16_t>("method");
    c.le<uint32_t>("mod_time");
    e.crc32 = c.le<uint32_t>("crc32");
    uint32_t csize = c.le<uint32_t>("compressed_size"), usize = c.le<uint32_t>("uncompressed_size");
    uint16_t name_len = c.le<uint16_t>("name_length"), extra_len = c.le<uint16_t>("extra_length");
    uint16_t comment_len = c.le<uint16_t>("comment_length"), disk = c.le<uint16_t>("disk_start");
    c.le<uint16_t>("internal_attributes");
    c.le<uint32_t>("external_attributes");
    uint32_t local32 = c.le<uint32_t>("local_header_offset");
    e.name = std::string(c.take_str(name_len, "entry name"));
    auto extra = c.take(extra_len, "extra field");
    c.take(comment_len, "entry comment");
    const std::string ew = path_ + ":" + e.name;
    if (disk != 0 && disk != 0xffff) fail(ErrorKind::Unsupported, ew, "entry on another disk");

    e.compressed_size = csize;
    e.uncompressed_size = usize;
    uint64_t local = local32;
    apply_zip64_extra(extra, e, local, usize == 0xffffffffu, csize == 0xffffffffu, local32 == 0xffffffffu,
                      ew);

    // Local header: its own name/extra lengths decide where the payload starts.
    if (local > d.cd_offset || d.cd_offset - local < kLocalSize)
      fail(ErrorKind::Format, ew, "local header offset " + std::to_string(local) + " is outside the file");
    ByteCursor l(bytes_.subspan(size_t(local), size_t(d.cd_offset - local)), ew + ".local_header");
    if (l.le<uint32_t>("signature") != kLocalSig)
      fail(ErrorKind::Format, ew + ".local_header", "bad signature");
    l.take(22, "local header");
    uint16_t lname = l.le<uint16_t>("name_length"), lextra = l.le<uint16_t>("extra_length");
    if (l.take_str(lname, "local name") != e.name)
      fail(ErrorKind::Format, ew + ".local_header", "name differs from the central directory");
    l.take(lextra, "local extra field");
    e.data_offset = local + l.pos();
    if (e.compressed_size > d.cd_offset - e.data_offset)
      fail(ErrorKind::Format, ew,
           "data (offset " + std::to_string(e.data_offset) + ", " + std::to_string(e.compressed_size) +
               " bytes) runs past the start of the central directory");
    entries_.push_back(std::move(e));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; });
  for (size_t i = 1; i < entries_.size(); ++i)
    if (entries_[i].name == entries_[i - 1].name)
      fail(ErrorKind::Format, path_ + ":" + entries_[i].name, "duplicate zip entry");
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const ZipEntry& e, std::string_view n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

std::span<const uint8_t> ZipArchive::stored_data(const ZipEntry& e) const {
  const std::string where = path_ + ":" + e.name;
  if (e.flags & 1) fail(ErrorKind::Unsupported, where, "encrypted zip entry");
  if (e.method != 0)
    fail(ErrorKind::Unsupported, where,
         "compressed zip entry (method " + std::to_string(e.method) +
             "); PyTorch checkpoints store entries uncompressed (STORED)");
  if (e.compressed_size != e.uncompressed_size)
    fail(ErrorKind::Format, where, "STORED entry with compressed size != uncompressed size");
  return bytes_.subspan(size_t(e.data_offset), size_t(e.compressed_size));
}

uint32_t crc32_of(std::span<const uint8_t> bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (uint8_t b : bytes) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

}  // namespace janus
