// Test-only writers: a plain STORED zip (no ZIP64) and a protocol-2 pickle builder that emits the
// same opcode sequence torch.save uses for a state dict, so tests can craft inconsistent checkpoints.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "io/weights/zip_reader.h"

namespace janus::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) {
  b.insert(b.end(), {uint8_t(v), uint8_t(v >> 8)});
}
inline void put32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
inline void put_str(Bytes& b, const std::string& s) {
  b.insert(b.end(), s.begin(), s.end());
}

// entries: (name, bytes, method). Payloads are 64-byte aligned like torch's writer.
inline Bytes make_zip(const std::vector<std::tuple<std::string, Bytes, uint16_t>>& entries) {
  Bytes out, cd;
  for (const auto& [name, data, method] : entries) {
    const uint32_t off = uint32_t(out.size());
    const uint32_t crc = crc32_of(data);
    size_t pad = (64 - (off + 30 + name.size() + 4) % 64) % 64;
    put32(out, 0x04034b50);
    put16(out, 20), put16(out, 0), put16(out, method), put32(out, 0), put32(out, crc);
    put32(out, uint32_t(data.size())), put32(out, uint32_t(data.size()));
    put16(out, uint16_t(name.size())), put16(out, uint16_t(pad + 4));
    put_str(out, name);
    put16(out, 0x4b46), put16(out, uint16_t(pad));
    out.insert(out.end(), pad, 'Z');
    out.insert(out.end(), data.begin(), data.end());
    put32(cd, 0x02014b50);
    put16(cd, 20), put16(cd, 20), put16(cd, 0), put16(cd, method), put32(cd, 0), put32(cd, crc);
    put32(cd, uint32_t(data.size())), put32(cd, uint32_t(data.size()));
    put16(cd, uint16_t(name.size())), put16(cd, 0), put16(cd, 0), put16(cd, 0), put16(cd, 0), put32(cd, 0);
    put32(cd, off);
    put_str(cd, name);
  }
  const uint32_t cd_off = uint32_t(out.size());
  out.insert(out.end(), cd.begin(), cd.end());
  put32(out, 0x06054b50);
  put16(out, 0), put16(out, 0), put16(out, uint16_t(entries.size())), put16(out, uint16_t(entries.size()));
  put32(out, uint32_t(cd.size())), put32(out, cd_off), put16(out, 0);
  return out;
}

// Protocol-2 pickle pieces in torch.save's shape.
struct PickleBuilder {
  Bytes b{0x80, 0x02};
  PickleBuilder& raw(std::initializer_list<uint8_t> x) {
    b.insert(b.end(), x);
    return *this;
  }
  PickleBuilder& global(const std::string& mod, const std::string& name) {
    b.push_back('c');
    put_str(b, mod + "\n" + name + "\n");
    return *this;
  }
  PickleBuilder& str(const std::string& s) {
    b.push_back('X');
    put32(b, uint32_t(s.size()));
    put_str(b, s);
    return *this;
  }
  PickleBuilder& integer(int64_t v) {  // LONG1, 8 bytes: covers any value
    b.push_back(0x8a), b.push_back(8);
    for (int i = 0; i < 8; ++i) b.push_back(uint8_t(uint64_t(v) >> (8 * i)));
    return *this;
  }
  PickleBuilder& int_tuple(const std::vector<int64_t>& v) {
    b.push_back('(');
    for (int64_t x : v) integer(x);
    b.push_back('t');
    return *this;
  }
  PickleBuilder& ordered_dict() { return global("collections", "OrderedDict").raw({')', 'R'}); }
  // _rebuild_tensor_v2(("storage", cls, key, "cpu", numel), offset, size, stride, False, OrderedDict())
  PickleBuilder& tensor(const std::string& cls, const std::string& key, int64_t numel, int64_t offset,
                        const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
    global("torch._utils", "_rebuild_tensor_v2").raw({'(', '('}).str("storage").global("torch", cls).str(key);
    str("cpu").integer(numel).raw({'t', 'Q'}).integer(offset).int_tuple(size).int_tuple(stride);
    raw({0x89}).ordered_dict().raw({'t', 'R'});
    return *this;
  }
  Bytes stop() {
    b.push_back('.');
    return b;
  }
};

// One-tensor state dict {"t": tensor(...)} followed by STOP.
inline Bytes one_tensor_pickle(const std::string& cls, const std::string& key, int64_t numel, int64_t offset,
                               const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
  PickleBuilder p;
  p.ordered_dict().raw({'('}).str("t").tensor(cls, key, numel, offset, size, stride).raw({'u'});
  return p.stop();
}

inline Bytes checkpoint(const Bytes& pkl, std::vector<std::pair<std::string, Bytes>> storages) {
  std::vector<std::tuple<std::string, Bytes, uint16_t>> e = {{"archive/data.pkl", pkl, 0}};
  for (auto& [k, v] : storages) e.emplace_back("archive/data/" + k, v, 0);
  e.emplace_back("archive/version", Bytes{'3', '\n'}, 0);
  return make_zip(e);
}

}  // namespace janus::test
