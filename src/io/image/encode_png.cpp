#include "io/image/encode_png.h"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace janus {

namespace {

struct Sink {
  std::vector<uint8_t>* out;
  char error[200] = {0};
};

void on_write(png_structp png, png_bytep data, png_size_t n) {
  auto* s = static_cast<Sink*>(png_get_io_ptr(png));
  s->out->insert(s->out->end(), data, data + n);
}
void on_flush(png_structp) {}
void on_error(png_structp png, png_const_charp msg) {
  auto* s = static_cast<Sink*>(png_get_error_ptr(png));
  std::snprintf(s->error, sizeof s->error, "%s", msg);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

// All libpng calls live in this function, which holds no C++ objects with destructors, so the
// longjmp of libpng's error path never skips one.
bool encode_raw(const Image& img, const std::vector<png_text>& texts, Sink* sink) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, on_error, on_warning);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, sink, on_write, on_flush);
  png_set_IHDR(png, info, png_uint_32(img.width), png_uint_32(img.height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!texts.empty()) png_set_text(png, info, const_cast<png_textp>(texts.data()), int(texts.size()));
  png_write_info(png, info);
  for (int y = 0; y < img.height; ++y)
    png_write_row(png, const_cast<png_bytep>(img.rgb.data() + size_t(y) * size_t(img.width) * 3));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::vector<uint8_t> encode_png(const Image& img, const PngText& text) {
  if (img.width <= 0 || img.height <= 0 || img.rgb.size() != size_t(img.width) * size_t(img.height) * 3)
    fail(ErrorKind::InvalidArgument, "png", "image buffer does not match its size");
  std::vector<png_text> texts;
  for (const auto& [k, v] : text) {
    if (k.empty() || k.size() > 79)
      fail(ErrorKind::InvalidArgument, "png", "text keyword must be 1-79 bytes");
    png_text t{};
    t.compression = PNG_ITXT_COMPRESSION_NONE;  // iTXt: UTF-8 values (prompts are often not Latin-1)
    t.key = const_cast<char*>(k.c_str());
    t.text = const_cast<char*>(v.c_str());
    t.itxt_length = v.size();
    texts.push_back(t);
  }
  std::vector<uint8_t> out;
  Sink sink{&out};
  if (!encode_raw(img, texts, &sink))
    fail(ErrorKind::Internal, "png", std::string("encoding failed: ") + sink.error);
  return out;
}

void write_png_file(const std::string& path, const Image& img, const PngText& text, bool overwrite) {
  namespace fs = std::filesystem;
  if (!overwrite && fs::exists(path)) fail(ErrorKind::Io, path, "exists (use --force to overwrite)");
  std::vector<uint8_t> bytes = encode_png(img, text);
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) fail(ErrorKind::Io, path, "folder " + dir.string() + " does not exist");
  std::string tmp = (dir / ("." + p.filename().string() + ".partial")).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(ErrorKind::Io, path, std::string("cannot write: ") + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(ErrorKind::Io, path, std::string("write failed: ") + std::strerror(e));
    }
    done += size_t(w);
  }
  ::close(fd);
  // link() refuses to replace an existing file, so a file created meanwhile is never clobbered.
  if (overwrite) {
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      fail(ErrorKind::Io, path, std::string("cannot rename: ") + std::strerror(errno));
    }
  } else {
    int rc = ::link(tmp.c_str(), path.c_str());
    int e = errno;
    ::unlink(tmp.c_str());
    if (rc != 0)
      fail(ErrorKind::Io, path,
           e == EEXIST ? "exists (use --force to overwrite)"
                       : std::string("cannot create: ") + std::strerror(e));
  }
}

}  // namespace janus
