#include "io/weights/tensor_store.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/weights/loaded_tensors.h"
#include "io/weights/mapped_file.h"
#include "io/weights/safetensors.h"
#include "io/weights/torch_checkpoint.h"

namespace janus {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.ends_with(suffix);
}

class FileTensorStore final : public TensorStore {
 public:
  // Maps and parses one checkpoint file; returns the names it contributed.
  std::vector<std::string> add_file(const fs::path& p) {
    auto map = std::make_unique<MappedFile>(p);
    const std::string path = map->path();
    const std::span<const uint8_t> bytes(map->data(), map->size());
    LoadedTensors lt;
    if (ends_with(path, ".safetensors")) {
      load_safetensors(bytes, path, lt);
    } else {
      // torch.save before 1.6 wrote a bare pickle (protocol 2 starts with 0x80 0x02).
      if (bytes.size() >= 2 && bytes[0] == 0x80 && bytes[1] <= 5)
        fail(ErrorKind::Unsupported, path,
             "legacy (pre-zip) torch.save format; re-save it with torch >= 1.6");
      load_torch_zip(bytes, path, lt);
    }
    std::vector<std::string> added;
    for (TensorView& v : lt.tensors) {
      auto [it, fresh] = by_name_.try_emplace(v.name, v);
      if (!fresh)
        fail(ErrorKind::Model, v.name, "tensor appears in both " + it->second.file + " and " + v.file);
      added.push_back(v.name);
      total_ += v.nbytes;
    }
    maps_.push_back(std::move(map));
    owned_.push_back(std::move(lt.owned));
    files_.push_back(path);
    return added;
  }

  void add_index(const fs::path& index_path) {
    const std::string ip = index_path.string();
    nlohmann::json j;
    {
      MappedFile f(index_path);
      if (f.size() > (100u << 20)) fail(ErrorKind::Format, ip, "index file larger than 100 MB");
      auto* b = reinterpret_cast<const char*>(f.data());
      j = nlohmann::json::parse(b, b + f.size(), nullptr, /*allow_exceptions=*/false);
    }
    if (j.is_discarded() || !j.is_object()) fail(ErrorKind::Format, ip, "not a JSON object");
    auto wm = j.find("weight_map");
    if (wm == j.end() || !wm->is_object())
      fail(ErrorKind::Format, ip + ":weight_map", "missing or not an object");

    std::map<std::string, std::vector<std::string>> by_shard;  // shard -> names it must hold
    std::vector<std::string> shard_order;
    for (auto it = wm->begin(); it != wm->end(); ++it) {
      if (!it->is_string())
        fail(ErrorKind::Format, ip + ":weight_map." + it.key(), "shard name is not a string");
      std::string shard = it->get<std::string>();
      // Shards sit next to the index; a path here could read arbitrary files.
      if (shard.empty() || shard == "." || shard == ".." || shard.find('/') != std::string::npos ||
          shard.find('\\') != std::string::npos || shard.find('\0') != std::string::npos)
        fail(ErrorKind::Format, ip + ":weight_map." + it.key(), "bad shard file name \"" + shard + "\"");
      auto& names = by_shard[shard];
      if (names.empty()) shard_order.push_back(shard);
      names.push_back(it.key());
    }
    if (shard_order.empty()) fail(ErrorKind::Format, ip + ":weight_map", "empty");
    std::sort(shard_order.begin(), shard_order.end());  // deterministic order: shard-00001, ...
    for (const std::string& shard : shard_order) {
      const fs::path sp = index_path.parent_path() / shard;
      std::error_code ec;
      if (!fs::is_regular_file(sp, ec))
        fail(ErrorKind::Io, sp.string(), "shard listed in " + ip + " is missing");
      std::vector<std::string> got = add_file(sp);
      std::sort(got.begin(), got.end());
      for (const std::string& n : by_shard[shard])
        if (!std::binary_search(got.begin(), got.end(), n))
          fail(ErrorKind::Model, n, "listed in " + ip + " for shard " + shard + " but absent from it");
    }
  }

  void finish() {
    names_.clear();
    for (const auto& [n, v] : by_name_) names_.push_back(n);  // std::map keeps them sorted
  }

  const TensorView* find(std::string_view name) const override {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }
  const TensorView& get(std::string_view name) const override {
    if (const TensorView* v = find(name)) return *v;
    std::string fl;
    for (const auto& f : files_) fl += (fl.empty() ? "" : ", ") + f;
    fail(ErrorKind::Model, std::string(name), "tensor not found in " + fl);
  }
  const std::vector<std::string>& names() const override { return names_; }
  const std::vector<std::string>& files() const override { return files_; }
  size_t total_bytes() const override { return total_; }
  void drop_pages(const TensorView& v) const override {
    const auto* p = static_cast<const uint8_t*>(v.data);
    for (const auto& m : maps_)  // only views into a file mapping: owned copies are not touched
      if (p >= m->data() && p + v.nbytes <= m->data() + m->size()) release_pages(p, v.nbytes);
  }

 private:
  std::vector<std::unique_ptr<MappedFile>> maps_;  // views point into these; never moved once mapped
  std::vector<std::vector<std::unique_ptr<uint8_t[]>>> owned_;
  std::map<std::string, TensorView, std::less<>> by_name_;
  std::vector<std::string> names_, files_;
  size_t total_ = 0;
};

std::unique_ptr<TensorStore> open_any(const fs::path& file) {
  auto store = std::make_unique<FileTensorStore>();
  if (ends_with(file.filename().string(), ".index.json"))
    store->add_index(file);
  else
    store->add_file(file);
  store->finish();
  return store;
}

}  // namespace

std::unique_ptr<TensorStore> TensorStore::open_file(const fs::path& file) {
  return open_any(file);
}

std::unique_ptr<TensorStore> TensorStore::open_folder(const fs::path& dir, std::string_view stem) {
  const std::string s(stem);
  const std::string bin_stem = s == "model" ? "pytorch_model" : s;
  std::vector<std::string> candidates = {
      s + ".safetensors.index.json", s + ".safetensors", bin_stem + ".bin.index.json",
      s + ".bin.index.json",         bin_stem + ".bin",  s + ".bin"};
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(ErrorKind::Io, dir.string(), "not a directory");
  std::string tried;
  for (const std::string& c : candidates) {
    const fs::path p = dir / c;
    if (fs::is_regular_file(p, ec)) return open_any(p);
    tried += (tried.empty() ? "" : ", ") + c;
  }
  fail(ErrorKind::Io, dir.string(), "no weights found (looked for " + tried + ")");
}

}  // namespace janus
