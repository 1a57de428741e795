#include "io/weights/safetensors.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "io/weights/byte_cursor.h"

namespace janus {
namespace {

using json = nlohmann::json;

// Header nesting deeper than this is never produced by a writer; refusing it bounds parse work.
constexpr int kMaxJsonDepth = 8;

json parse_header_json(std::string_view text, const std::string& path) {
  std::set<std::string> seen;  // nlohmann keeps the last duplicate silently; we must refuse them
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) &&
        depth > kMaxJsonDepth)
      fail(ErrorKind::Format, path + ":header", "JSON nested too deeply");
    if (ev == json::parse_event_t::key && depth == 1) {
      std::string key = parsed.get<std::string>();
      if (!seen.insert(key).second)
        fail(ErrorKind::Format, path + ":" + key, "duplicate tensor name in header");
    }
    return true;
  };
  json j = json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(ErrorKind::Format, path + ":header", "header is not valid JSON");
  if (!j.is_object()) fail(ErrorKind::Format, path + ":header", "header is not a JSON object");
  return j;
}

// Non-negative JSON integer, or throw naming field.
uint64_t json_uint(const json& v, const std::string& where) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return uint64_t(v.get<int64_t>());
  fail(ErrorKind::Format, where, "expected a non-negative integer, got " + v.dump());
}

SafetensorsEntry parse_entry(const std::string& name, const json& info, size_t buffer_size, size_t data_start,
                             const std::string& path) {
  const std::string where = path + ":" + name;
  if (!info.is_object()) fail(ErrorKind::Format, where, "tensor entry is not an object");
  SafetensorsEntry e;
  e.name = name;

  auto dt = info.find("dtype");
  if (dt == info.end() || !dt->is_string())
    fail(ErrorKind::Format, where + ".dtype", "missing or not a string");
  const std::string dts = dt->get<std::string>();
  auto parsed = dtype_from_safetensors(dts);
  if (!parsed) {
    static const std::set<std::string> valid_unsupported = {"U16",     "U32", "U64",     "F8_E4M3", "F8_E5M2",
                                                            "F8_E8M0", "F4",  "F6_E2M3", "F6_E3M2", "C64"};
    if (valid_unsupported.count(dts))
      fail(ErrorKind::Unsupported, where + ".dtype", "dtype " + dts + " not supported");
    fail(ErrorKind::Format, where + ".dtype", "unknown dtype \"" + dts + "\"");
  }
  e.dtype = *parsed;

  auto sh = info.find("shape");
  if (sh == info.end() || !sh->is_array())
    fail(ErrorKind::Format, where + ".shape", "missing or not an array");
  size_t numel = 1;
  for (const json& d : *sh) {
    uint64_t v = json_uint(d, where + ".shape");
    if (v > uint64_t(INT64_MAX) || mul_overflows(numel, size_t(v), &numel))
      fail(ErrorKind::Format, where + ".shape", "element count overflows");
    e.shape.push_back(int64_t(v));
  }
  size_t nbytes;
  if (mul_overflows(numel, dtype_size(e.dtype), &nbytes))
    fail(ErrorKind::Format, where + ".shape", "byte size overflows");

  auto off = info.find("data_offsets");
  if (off == info.end() || !off->is_array() || off->size() != 2)
    fail(ErrorKind::Format, where + ".data_offsets", "missing or not [begin, end]");
  uint64_t b = json_uint((*off)[0], where + ".data_offsets"),
           en = json_uint((*off)[1], where + ".data_offsets");
  if (b > en) fail(ErrorKind::Format, where + ".data_offsets", "begin > end");
  if (en > buffer_size)
    fail(
        ErrorKind::Format, where + ".data_offsets",
        "end " + std::to_string(en) + " is past the data buffer (" + std::to_string(buffer_size) + " bytes)");
  if (en - b != nbytes)
    fail(ErrorKind::Format, where,
         "dtype " + dts + " x shape " + shape_str(e.shape) + " = " + std::to_string(nbytes) +
             " bytes but data_offsets span " + std::to_string(en - b));
  e.offset = data_start + size_t(b);
  e.nbytes = nbytes;
  return e;
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file, const std::string& path) {
  if (file.size() < 8)
    fail(ErrorKind::Format, path,
         "too small for a safetensors file (" + std::to_string(file.size()) + " bytes)");
  uint64_t n = load_le<uint64_t>(file.data());
  if (n > kMaxSafetensorsHeader)
    fail(ErrorKind::Format, path + ":header_length", std::to_string(n) + " exceeds the 100 MB limit");
  if (n > file.size() - 8)
    fail(ErrorKind::Format, path + ":header_length",
         std::to_string(n) + " is past the end of the file (" + std::to_string(file.size()) + " bytes)");
  if (n < 2) fail(ErrorKind::Format, path + ":header_length", "header too short to be a JSON object");

  SafetensorsHeader h;
  h.data_start = 8 + size_t(n);
  const size_t buffer_size = file.size() - h.data_start;
  json j = parse_header_json({reinterpret_cast<const char*>(file.data()) + 8, size_t(n)}, path);

  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(ErrorKind::Format, path + ":__metadata__", "not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          fail(ErrorKind::Format, path + ":__metadata__." + m.key(), "value is not a string");
        h.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    h.tensors.push_back(parse_entry(it.key(), *it, buffer_size, h.data_start, path));
  }

  // Ranges may leave holes but must not overlap (an overlap means two tensors alias bytes).
  std::vector<const SafetensorsEntry*> order;
  for (const auto& e : h.tensors) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return a->offset != b->offset ? a->offset < b->offset : a->nbytes < b->nbytes;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const auto* prev = order[i - 1];
    if (order[i]->offset < prev->offset + prev->nbytes)
      fail(ErrorKind::Format, path + ":" + order[i]->name, "data_offsets overlap tensor " + prev->name);
  }
  return h;
}

void load_safetensors(std::span<const uint8_t> file, const std::string& path, LoadedTensors& out) {
  SafetensorsHeader h = parse_safetensors_header(file, path);
  out.copy_budget = out.owned_bytes + file.size();  // ranges never overlap, so copies fit in this
  for (auto& e : h.tensors) {
    TensorView v;
    v.name = std::move(e.name);
    v.dtype = e.dtype;
    v.shape = std::move(e.shape);
    v.nbytes = e.nbytes;
    v.data = out.adopt(file.data() + e.offset, e.nbytes, dtype_size(e.dtype), path + ":" + v.name);
    v.file = path;
    out.tensors.push_back(std::move(v));
  }
}

}  // namespace janus
