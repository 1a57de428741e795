// libFuzzer target: a whole safetensors file (length prefix, JSON header, data buffer) from memory.
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "io/weights/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy so ASan flags any read past the input.
  std::vector<uint8_t> bytes(data, data + size);
  try {
    janus::LoadedTensors lt;
    janus::load_safetensors(bytes, "fuzz.safetensors", lt);
    // Touch every byte a view claims, so out-of-range views are caught.
    uint8_t sink = 0;
    for (const auto& t : lt.tensors)
      for (size_t i = 0; i < t.nbytes; ++i) sink ^= static_cast<const uint8_t*>(t.data)[i];
    __asm__ volatile("" : : "r"(sink));  // keep the reads
  } catch (const janus::Error&) {
  }
  return 0;
}
