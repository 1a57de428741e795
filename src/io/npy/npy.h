// NumPy .npy files: golden tensors from the PyTorch reference and --dump-dir outputs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace janus {

struct NpyArray {
  DType dtype = DType::F32;    // F32, F64, F16, I64, I32, I16, I8, U8, Bool
  std::vector<int64_t> shape;  // C order
  std::vector<uint8_t> data;   // little-endian element bytes

  int64_t numel() const;
  // Element access converted to float/int64; throws if the dtype does not fit.
  std::vector<float> to_f32() const;
  std::vector<int64_t> to_i64() const;
};

NpyArray read_npy(const std::filesystem::path& path);
NpyArray parse_npy(const uint8_t* bytes, size_t size, const std::string& name);
// Writes atomically (temp file + rename) so a dump folder never holds half-written files.
void write_npy(const std::filesystem::path& path, DType dtype, const std::vector<int64_t>& shape,
               const void* data);
void write_npy_f32(const std::filesystem::path& path, const std::vector<int64_t>& shape, const float* data);
void write_npy_i64(const std::filesystem::path& path, const std::vector<int64_t>& shape, const int64_t* data);

}  // namespace janus
