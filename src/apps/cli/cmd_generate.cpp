// `janus generate`: text to image (autoregressive Janus / Janus-Pro, or JanusFlow's rectified flow with
// the SDXL VAE), PNG output with metadata; `janus decode-vq` / `janus decode-vae`: decode given VQ codes
// or VAE latents (for tests and users).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "cli_commands.h"
#include "janus.hpp"
#include "run_options.h"

namespace janus_cli {

namespace fs = std::filesystem;

namespace {

// out.png for one image, out-1.png ... out-N.png for several.
std::vector<std::string> output_paths(const std::string& out, int n) {
  if (n == 1) return {out};
  fs::path p(out);
  std::string stem = p.stem().string(), ext = p.has_extension() ? p.extension().string() : ".png";
  std::vector<std::string> paths;
  for (int i = 1; i <= n; ++i)
    paths.push_back((p.parent_path() / (stem + "-" + std::to_string(i) + ext)).string());
  return paths;
}

// Checked before any compute: minutes of generation must not end in "cannot write".
std::string check_outputs(const std::vector<std::string>& paths, bool force) {
  for (const std::string& p : paths) {
    fs::path dir = fs::path(p).has_parent_path() ? fs::path(p).parent_path() : fs::path(".");
    if (!fs::is_directory(dir)) return p + ": folder " + dir.string() + " does not exist";
    if (access(dir.c_str(), W_OK) != 0) return p + ": folder " + dir.string() + " is not writable";
    if (!force && fs::exists(p)) return p + ": exists (use --force to overwrite)";
  }
  return "";
}

struct Progress {
  bool show = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  int images = 1;
};

// "step/total, images, ETA" redrawn on one stderr line.
int progress_cb(const char* stage, uint64_t done, uint64_t total, void* user) {
  auto* p = static_cast<Progress*>(user);
  if (!p->show || total == 0) return 0;
  const char* unit = std::string(stage ? stage : "") == "flow" ? "steps" : "tokens";
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - p->start).count();
  double eta = done ? el * double(total - done) / double(done) : 0;
  int width = 30, fill = int(width * done / total);
  std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu %s, %d image%s, %.1fs elapsed, ETA %.1fs ", fill,
               "##############################", width - fill, "", (unsigned long long)done,
               (unsigned long long)total, unit, p->images, p->images > 1 ? "s" : "", el, eta);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
  return 0;
}

int write_images(const std::vector<std::string>& paths, std::vector<janus_image>& imgs,
                 const std::vector<std::pair<std::string, std::string>>& meta, bool force) {
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : meta) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  int rc = 0;
  for (size_t i = 0; i < imgs.size(); ++i) {
    if (rc == 0) {
      janus_status s =
          janus_write_png(paths[i].c_str(), &imgs[i], keys.data(), values.data(), keys.size(), force);
      if (s != JANUS_OK)
        rc = report_error(s);
      else
        std::printf("%s\n", paths[i].c_str());
    }
    janus_image_free(&imgs[i]);
  }
  return rc;
}

}  // namespace

int run_generate(const GenerateOptions& o, const CommonOptions& c) {
  install_logger(c);
  if (o.n < 1 || o.n > 16) {
    std::fprintf(stderr, "janus: error: -n/--images must be 1..16, got %d\n", o.n);
    return 2;
  }
  std::vector<std::string> paths = output_paths(o.out, o.n);
  if (std::string e = check_outputs(paths, o.force); !e.empty()) {
    std::fprintf(stderr, "janus: error: %s\n", e.c_str());
    return 2;
  }
  uint64_t seed =
      o.seed_given ? o.run.seed : std::random_device{}() | (uint64_t(std::random_device{}()) << 32);
  try {
    janus_cpp::Model model(o.run.model, model_params(c, true));
    const bool flow = nlohmann::json::parse(model.info_json()).value("model_kind", "") == "JanusFlow";
    if (!flow && (o.steps != 0 || !o.vae.empty() || !o.noise.empty())) {
      std::fprintf(stderr,
                   "janus: error: --steps, --vae and --noise need a JanusFlow model; %s generates "
                   "image tokens\n",
                   o.run.model.c_str());
      return 2;
    }
    if (flow && o.sampling_given) {
      std::fprintf(stderr,
                   "janus: error: --temperature, --top-k and --top-p apply to the autoregressive "
                   "models; JanusFlow integrates a flow (use --steps, --cfg, --seed)\n");
      return 2;
    }
    // JanusFlow decodes with the SDXL VAE: a folder, or a repo id from the HF cache / hub.
    std::unique_ptr<janus_cpp::Model> vae;
    if (flow) {
      const std::string vae_id = o.vae.empty() ? "stabilityai/sdxl-vae" : o.vae;
      try {
        vae = std::make_unique<janus_cpp::Model>(vae_id, model_params(c, true));
      } catch (const janus_cpp::Error& e) {
        const int rc = report_error(e.status());
        std::fprintf(stderr,
                     "janus: JanusFlow decodes its latents with the SDXL VAE (%s); --vae DIR takes a "
                     "local diffusers AutoencoderKL folder\n",
                     vae_id.c_str());
        return rc;
      }
    }
    std::unique_ptr<float, void (*)(float*)> noise(nullptr, janus_floats_free);
    size_t noise_shape[4] = {0, 0, 0, 0};
    if (!o.noise.empty()) {
      float* d = nullptr;
      janus_cpp::check(janus_read_latent_npy(o.noise.c_str(), &d, noise_shape));
      noise.reset(d);
      if (noise_shape[0] != size_t(o.n)) {
        std::fprintf(stderr, "janus: error: %s holds %zu latents but -n is %d\n", o.noise.c_str(),
                     noise_shape[0], o.n);
        return 2;
      }
    }
    janus_cpp::Context context(model, context_params(o.run));
    janus_context* ctx = context.get();
    janus_generate_params gp = janus_generate_default_params();
    gp.n_images = o.n;
    gp.cfg = o.cfg;
    if (!flow) {
      gp.temperature = o.temperature;
      gp.top_k = o.run.top_k;
      gp.top_p = o.run.top_p;
    }
    gp.seed = seed;
    gp.upscale = o.upscale;
    gp.steps = o.steps;
    gp.vae = vae ? vae->get() : nullptr;
    gp.noise = noise.get();
    gp.noise_len = noise_shape[0] * noise_shape[1] * noise_shape[2] * noise_shape[3];
    Progress prog;
    prog.show = !o.quiet && isatty(STDERR_FILENO);
    prog.images = o.n;
    gp.progress = progress_cb;
    gp.progress_user = &prog;
    std::vector<janus_image> imgs(size_t(o.n));
    janus_generate_stats st{};
    janus_status s = janus_generate(ctx, o.prompt.c_str(), &gp, imgs.data(), &st);
    if (s != JANUS_OK) return report_error(s);
    if (!o.quiet && flow)
      std::fprintf(stderr, "janus: seed %llu; prefill %.0f ms, %.2f s/step x %d steps, VAE decode %.0f ms\n",
                   (unsigned long long)seed, st.prefill_ms, st.tokens_ms / 1000.0 / std::max(st.steps, 1),
                   st.steps, st.decode_ms);
    else if (!o.quiet)
      std::fprintf(stderr, "janus: seed %llu; prefill %.0f ms, %.1f ms/token, VQ decode %.0f ms\n",
                   (unsigned long long)seed, st.prefill_ms, st.tokens_ms / std::max(st.steps, 1),
                   st.decode_ms);
    char num[64];
    std::vector<std::pair<std::string, std::string>> meta = {{"prompt", o.prompt}, {"model", o.run.model}};
    std::snprintf(num, sizeof num, "%llu", (unsigned long long)seed);
    meta.push_back({"seed", num});
    std::snprintf(num, sizeof num, "%g", st.cfg);
    meta.push_back({"cfg", num});
    if (flow) {
      meta.push_back({"steps", std::to_string(st.steps)});
      meta.push_back({"vae", o.vae.empty() ? "stabilityai/sdxl-vae" : o.vae});
      if (!o.noise.empty()) meta.push_back({"noise", o.noise});
    } else {
      std::snprintf(num, sizeof num, "%g", o.temperature);
      meta.push_back({"temperature", num});
    }
    meta.push_back({"precision", o.run.precision});
    meta.push_back({"Software", std::string("janus.cpp ") + janus_version()});
    return write_images(paths, imgs, meta, o.force);
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

int run_decode_vq(const DecodeVqOptions& o, const CommonOptions& c) {
  install_logger(c);
  try {
    int32_t* codes = nullptr;
    size_t n = 0, per = 0;
    janus_cpp::check(janus_read_codes_npy(o.tokens.c_str(), &codes, &n, &per));
    std::unique_ptr<int32_t, void (*)(int32_t*)> codes_owner(codes, janus_codes_free);
    std::vector<std::string> paths = output_paths(o.out, int(n));
    if (std::string e = check_outputs(paths, o.force); !e.empty()) {
      std::fprintf(stderr, "janus: error: %s\n", e.c_str());
      return 2;
    }
    janus_cpp::Model model(o.run.model, model_params(c, true));
    janus_cpp::Context context(model, context_params(o.run));
    janus_context* ctx = context.get();
    std::vector<janus_image> imgs(n);
    janus_status s = janus_decode_vq(ctx, codes, n, per, imgs.data());
    if (s != JANUS_OK) return report_error(s);
    return write_images(paths, imgs, {{"tokens", o.tokens}, {"model", o.run.model}}, o.force);
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

int run_decode_vae(const DecodeVaeOptions& o, const CommonOptions& c) {
  install_logger(c);
  try {
    float* d = nullptr;
    size_t shape[4] = {0, 0, 0, 0};
    janus_cpp::check(janus_read_latent_npy(o.latent.c_str(), &d, shape));
    std::unique_ptr<float, void (*)(float*)> latent(d, janus_floats_free);
    if (shape[0] < 1 || shape[0] > 16) {
      std::fprintf(stderr, "janus: error: %s holds %zu latents (1..16)\n", o.latent.c_str(), shape[0]);
      return 2;
    }
    std::vector<std::string> paths = output_paths(o.out, int(shape[0]));
    if (std::string e = check_outputs(paths, o.force); !e.empty()) {
      std::fprintf(stderr, "janus: error: %s\n", e.c_str());
      return 2;
    }
    janus_cpp::Model vae(o.vae, model_params(c, true));
    janus_cpp::Context context(vae, context_params(o.run));
    std::vector<janus_image> imgs(shape[0]);
    janus_status s =
        janus_decode_latent(context.get(), latent.get(), shape[0], shape[1], shape[2], shape[3], imgs.data());
    if (s != JANUS_OK) return report_error(s);
    return write_images(paths, imgs, {{"latent", o.latent}, {"vae", o.vae}}, o.force);
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

}  // namespace janus_cli
