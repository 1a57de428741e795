// Restricted reader for the data.pkl of a torch.save zip checkpoint. It understands only the
// opcodes and the handful of globals a saved state dict uses; it never imports or calls anything,
// so a hostile pickle can at worst produce an Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace janus {

struct PickledTensor {
  std::string name;
  std::string storage_key;  // bytes live in <root>/data/<storage_key>
  DType storage_dtype = DType::F32;
  uint64_t storage_numel = 0;   // elements, as declared by the persistent id
  uint64_t storage_offset = 0;  // elements
  std::vector<int64_t> shape;   // outermost first
  std::vector<int64_t> stride;  // elements, same rank as shape
};

struct PickleLimits {
  size_t max_bytes = 64u << 20;   // data.pkl size
  size_t max_stack = 1u << 20;    // values on the stack
  size_t max_marks = 1u << 12;    // nested MARKs
  size_t max_objects = 2u << 20;  // values created
  size_t max_memo = 1u << 20;     // memo slots
  size_t max_rank = 64;           // tensor dimensions
};

// Parses a pickled {name: tensor} dict (OrderedDict or dict) into tensor records, in pickle order.
// Throws Error(Format) naming `where` plus the offending opcode, global or tensor.
std::vector<PickledTensor> parse_torch_pickle(std::span<const uint8_t> pkl, const std::string& where,
                                              const PickleLimits& limits = {});

}  // namespace janus
