// libFuzzer target: the restricted data.pkl reader on arbitrary pickle bytes.
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "io/weights/torch_pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);  // exact-size copy: ASan sees overreads
  try {
    auto recs = janus::parse_torch_pickle(bytes, "fuzz.pkl");
    for (const auto& r : recs)
      if (r.shape.size() != r.stride.size()) __builtin_trap();  // invariant promised by the parser
  } catch (const janus::Error&) {
  }
  return 0;
}
