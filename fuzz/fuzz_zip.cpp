// libFuzzer target: a whole PyTorch zip checkpoint from memory (EOCD/ZIP64 records, central
// directory, local headers, then data.pkl and the storage entries it names).
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "io/weights/torch_checkpoint.h"
#include "io/weights/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);  // exact-size copy: ASan sees overreads
  try {
    janus::ZipArchive zip(bytes, "fuzz.bin");
    for (const auto& e : zip.entries()) {
      try {
        auto s = zip.stored_data(e);
        (void)janus::crc32_of(s);  // reads every payload byte
      } catch (const janus::Error&) {
      }
    }
  } catch (const janus::Error&) {
  }
  try {
    janus::LoadedTensors lt;
    janus::load_torch_zip(bytes, "fuzz.bin", lt);
    uint8_t sink = 0;
    for (const auto& t : lt.tensors)
      for (size_t i = 0; i < t.nbytes; ++i) sink ^= static_cast<const uint8_t*>(t.data)[i];
    __asm__ volatile("" : : "r"(sink));  // keep the reads
  } catch (const janus::Error&) {
  }
  return 0;
}
