// PyTorch zip checkpoint (torch.save since 1.6): <root>/data.pkl describes tensors whose bytes are
// the STORED entries <root>/data/<key>. Contiguous tensors become zero-copy views.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "io/weights/loaded_tensors.h"

namespace janus {

// Appends every tensor of the checkpoint held in `file` (usually a MappedFile) to `out`.
// Non-contiguous tensors are copied into `out.owned`; their total is capped at the file size
// (+1 MiB) so a hostile stride pattern cannot request a huge allocation.
void load_torch_zip(std::span<const uint8_t> file, const std::string& path, LoadedTensors& out);

}  // namespace janus
