// libFuzzer target: a whole GGUF file (header, metadata, tensor infos, data) from memory.
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "io/gguf/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy so ASan flags any read past the input.
  std::vector<uint8_t> bytes(data, data + size);
  try {
    const janus::GgufFile g = janus::parse_gguf(bytes, "fuzz.gguf");
    // Touch every byte a tensor claims and every typed accessor, so bad ranges and decoding show.
    uint8_t sink = 0;
    for (const auto& t : g.tensors)
      for (size_t i = 0; i < t.nbytes; ++i) sink ^= bytes[t.file_offset + i];
    for (const auto& [k, v] : g.kv)
      if (v.type == janus::GgufType::Array && v.elem != janus::GgufType::String)
        for (size_t i = 0; i < v.count; ++i) sink ^= uint8_t(v.element(i).u);
    __asm__ volatile("" : : "r"(sink));  // keep the reads
  } catch (const janus::Error&) {
  }
  return 0;
}
