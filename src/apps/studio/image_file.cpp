#include "image_file.h"

#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "studio_error.h"

namespace janus::studio {

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StudioError(path + ": cannot read the image file");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

Raster decode_png(const std::string& path, const std::vector<uint8_t>& bytes) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()))
    throw StudioError(path + ": corrupt PNG (" + std::string(img.message) + ")");
  img.format = PNG_FORMAT_RGBA;
  Raster r;
  r.w = int(img.width);
  r.h = int(img.height);
  r.channels = 4;
  r.px.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, r.px.data(), 0, nullptr)) {
    const std::string msg = img.message;
    png_image_free(&img);
    throw StudioError(path + ": corrupt PNG (" + msg + ")");
  }
  return r;
}

struct JpegErr {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char msg[JMSG_LENGTH_MAX];
};

void jpeg_exit(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegErr*>(c->err);
  (*c->err->format_message)(c, e->msg);
  longjmp(e->jump, 1);
}

Raster decode_jpeg(const std::string& path, const std::vector<uint8_t>& bytes) {
  jpeg_decompress_struct cinfo;
  JpegErr err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_exit;
  Raster r;
  r.channels = 4;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw StudioError(path + ": corrupt JPEG (" + std::string(err.msg) + ")");
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  r.w = int(cinfo.output_width);
  r.h = int(cinfo.output_height);
  r.px.assign(size_t(r.w) * size_t(r.h) * 4, 255);
  std::vector<uint8_t> row(size_t(r.w) * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    const int y = int(cinfo.output_scanline);
    JSAMPROW rp = row.data();
    jpeg_read_scanlines(&cinfo, &rp, 1);
    for (int x = 0; x < r.w; ++x) std::memcpy(r.at(x, y), row.data() + x * 3, 3);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return r;
}

Raster decode_webp(const std::string& path, const std::vector<uint8_t>& bytes) {
  int w = 0, h = 0;
  uint8_t* data = WebPDecodeRGBA(bytes.data(), bytes.size(), &w, &h);
  if (!data) throw StudioError(path + ": corrupt WebP");
  Raster r;
  r.w = w;
  r.h = h;
  r.channels = 4;
  r.px.assign(data, data + size_t(w) * size_t(h) * 4);
  WebPFree(data);
  return r;
}

void png_to_vector(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

}  // namespace

Raster decode_image_file(const std::string& path) {
  const std::vector<uint8_t> b = read_bytes(path);
  Raster r;
  if (b.size() >= 8 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0)
    r = decode_png(path, b);
  else if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
    r = decode_jpeg(path, b);
  else if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 &&
           std::memcmp(b.data() + 8, "WEBP", 4) == 0)
    r = decode_webp(path, b);
  else
    throw StudioError(path + ": not a PNG, JPEG or WebP image");
  if (r.w <= 0 || r.h <= 0 || r.w > 16384 || r.h > 16384)
    throw StudioError(path + ": unsupported image size");
  return r;
}

std::vector<uint8_t> encode_jpeg(const Raster& rgb, int quality) {
  jpeg_compress_struct cinfo;
  JpegErr err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_exit;
  unsigned char* mem = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(mem);
    throw StudioError(std::string("JPEG encoding failed: ") + err.msg);
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &mem, &size);
  cinfo.image_width = JDIMENSION(rgb.w);
  cinfo.image_height = JDIMENSION(rgb.h);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(rgb.at(0, int(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> out(mem, mem + size);
  free(mem);
  return out;
}

std::vector<uint8_t> encode_webp(const Raster& rgb, int quality) {
  uint8_t* out = nullptr;
  const size_t n = WebPEncodeRGB(rgb.px.data(), rgb.w, rgb.h, rgb.w * 3, float(quality), &out);
  if (!n) throw StudioError("WebP encoding failed");
  std::vector<uint8_t> v(out, out + n);
  WebPFree(out);
  return v;
}

std::vector<uint8_t> encode_gray_png(const Raster& img) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw StudioError("PNG encoding failed");
  }
  png_set_write_fn(png, &out, png_to_vector, nullptr);
  png_set_IHDR(png, info, png_uint_32(img.w), png_uint_32(img.h), 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  std::vector<uint8_t> row(size_t(img.w));
  for (int y = 0; y < img.h; ++y) {
    for (int x = 0; x < img.w; ++x) row[size_t(x)] = img.at(x, y)[0];
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_file_atomic(const std::string& path, const std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw StudioError(path + ": cannot write (folder missing or not writable?)");
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) throw StudioError(path + ": write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw StudioError(path + ": cannot rename into place: " + ec.message());
}

}  // namespace janus::studio
