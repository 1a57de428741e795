#include "io/weights/torch_checkpoint.h"

#include <cstring>
#include <map>

#include "core/error.h"
#include "io/weights/byte_cursor.h"
#include "io/weights/torch_pickle.h"
#include "io/weights/zip_reader.h"

namespace janus {
namespace {

struct Storage {
  std::span<const uint8_t> bytes;
  DType dtype;
};

// The only entry named "<root>/data.pkl" with a one-level root (torch names it after the file or "archive").
const ZipEntry& find_pickle(const ZipArchive& zip) {
  const ZipEntry* found = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    const std::string_view n = e.name;
    constexpr std::string_view suffix = "/data.pkl";
    if (n.size() <= suffix.size() || !n.ends_with(suffix)) continue;
    if (n.substr(0, n.size() - suffix.size()).find('/') != std::string_view::npos) continue;
    if (found)
      fail(ErrorKind::Format, zip.path(), "several data.pkl entries (" + found->name + ", " + e.name + ")");
    found = &e;
  }
  if (!found) fail(ErrorKind::Format, zip.path(), "no <root>/data.pkl entry: not a PyTorch checkpoint");
  return *found;
}

// Copies a strided tensor into dst, element by element in row-major order (an odometer over dims).
void gather(const uint8_t* base, size_t esize, const std::vector<int64_t>& shape,
            const std::vector<int64_t>& stride, size_t numel, uint8_t* dst) {
  const size_t rank = shape.size();
  std::vector<int64_t> idx(rank, 0);
  size_t src = 0;  // element offset of idx
  for (size_t n = 0; n < numel; ++n) {
    std::memcpy(dst + n * esize, base + src * esize, esize);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d]) {
        src += size_t(stride[d]);
        break;
      }
      src -= size_t(stride[d]) * size_t(shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace

void load_torch_zip(std::span<const uint8_t> file, const std::string& path, LoadedTensors& out) {
  ZipArchive zip(file, path);
  const ZipEntry& pkl_entry = find_pickle(zip);
  const std::string root =
      pkl_entry.name.substr(0, pkl_entry.name.size() - std::string_view("data.pkl").size());
  const std::span<const uint8_t> pkl = zip.stored_data(pkl_entry);
  if (crc32_of(pkl) != pkl_entry.crc32)
    fail(ErrorKind::Format, path + ":" + pkl_entry.name, "CRC-32 mismatch");
  if (const ZipEntry* bo = zip.find(root + "byteorder")) {
    auto b = zip.stored_data(*bo);
    if (std::string_view(reinterpret_cast<const char*>(b.data()), b.size()) != "little")
      fail(ErrorKind::Unsupported, path + ":" + bo->name, "only little-endian checkpoints are supported");
  }

  const std::vector<PickledTensor> recs = parse_torch_pickle(pkl, path + ":" + pkl_entry.name);
  std::map<std::string, Storage> storages;  // each data/<key> validated once, shared by its views
  out.copy_budget = out.owned_bytes + file.size() + (1u << 20);

  for (const PickledTensor& t : recs) {
    const std::string where = path + ":" + t.name;
    const size_t esize = dtype_size(t.storage_dtype);

    auto it = storages.find(t.storage_key);
    if (it == storages.end()) {
      const std::string entry_name = root + "data/" + t.storage_key;
      const ZipEntry* e = zip.find(entry_name);
      if (!e) fail(ErrorKind::Format, where, "storage entry " + entry_name + " is missing");
      Storage s{zip.stored_data(*e), t.storage_dtype};
      size_t want;
      if (t.storage_numel > SIZE_MAX || mul_overflows(size_t(t.storage_numel), esize, &want) ||
          want != s.bytes.size())
        fail(ErrorKind::Format, where,
             "storage " + entry_name + " has " + std::to_string(s.bytes.size()) + " bytes, expected " +
                 std::to_string(t.storage_numel) + " x " + std::to_string(esize));
      it = storages.emplace(t.storage_key, s).first;
    } else if (it->second.dtype != t.storage_dtype) {
      fail(ErrorKind::Format, where, "storage " + t.storage_key + " is used with two different dtypes");
    }
    const Storage& st = it->second;

    // numel and the largest element index reached, both overflow-checked.
    size_t numel = 1, max_index = size_t(t.storage_offset), span;
    bool contiguous = true;
    size_t expect_stride = 1;
    for (size_t d = t.shape.size(); d-- > 0;) {
      const size_t n = size_t(t.shape[d]), s = size_t(t.stride[d]);
      if (mul_overflows(numel, n, &numel)) fail(ErrorKind::Format, where, "element count overflows");
      if (n > 1 && s != expect_stride) contiguous = false;
      if (n > 0 && (mul_overflows(n - 1, s, &span) || add_overflows(max_index, span, &max_index)))
        fail(ErrorKind::Format, where, "strides reach past any storage");
      if (n > 1) expect_stride *= n;  // cannot overflow: bounded by numel
    }
    size_t nbytes;
    if (mul_overflows(numel, esize, &nbytes)) fail(ErrorKind::Format, where, "byte size overflows");
    if (numel > 0 && max_index >= st.bytes.size() / esize)
      fail(ErrorKind::Format, where,
           "shape " + shape_str(t.shape) + " with offset " + std::to_string(t.storage_offset) +
               " reaches element " + std::to_string(max_index) + " of a storage with " +
               std::to_string(st.bytes.size() / esize));

    TensorView v;
    v.name = t.name;
    v.dtype = t.storage_dtype;
    v.shape = t.shape;
    v.nbytes = nbytes;
    v.file = path;
    if (numel == 0) {
      v.data = st.bytes.data();
    } else if (contiguous) {
      v.data = out.adopt(st.bytes.data() + size_t(t.storage_offset) * esize, nbytes, esize, where);
    } else {
      uint8_t* dst = out.allocate(nbytes, where);
      gather(st.bytes.data() + size_t(t.storage_offset) * esize, esize, t.shape, t.stride, numel, dst);
      v.data = dst;
    }
    out.tensors.push_back(std::move(v));
  }
}

}  // namespace janus
