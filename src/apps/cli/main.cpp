// `janus` command line: one binary, one sub-command per job. Uses only the public API.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli_commands.h"
#include "janus.h"
#include "serve.h"
#include "studio.h"

int main(int argc, char** argv) {
  CLI::App app{"janus.cpp — DeepSeek Janus / Janus-Pro / JanusFlow inference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("janus.cpp ") + janus_version());
  janus_cli::CommonOptions common;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--cache-dir", common.cache_dir,
                    "Hugging Face hub cache (default: HF_HUB_CACHE / HF_HOME/hub)");
    sub->add_option("--revision", common.revision, "hub revision for repo ids")->default_val("main");
    sub->add_flag("--offline", common.offline, "never download (also HF_HUB_OFFLINE=1)");
    sub->add_flag("-v,--verbose", common.verbose, "log details to stderr");
    sub->add_option("--quant", common.quant,
                    "quantize the LLM weights at load: q8_0 or q4_0 (q4); default none (as stored)")
        ->check(CLI::IsMember({"none", "q8_0", "q4_0", "q4"}));
  };
  janus_cli::InfoOptions info;
  CLI::App* info_cmd =
      app.add_subcommand("info", "describe a model: kind, dims, dtypes, tensors, special tokens");
  info_cmd->add_option("model", info.model, "model folder or hub repo id (e.g. deepseek-ai/Janus-Pro-1B)")
      ->required();
  info_cmd->add_flag("--json", info.json, "print JSON");
  info_cmd->add_flag("--tensors", info.tensors, "also list every tensor (name, dtype, shape)");
  add_common(info_cmd);

  janus_cli::TokenizeOptions tok;
  CLI::App* tok_cmd = app.add_subcommand("tokenize", "tokenize text as the model's processor does");
  tok_cmd->add_option("model", tok.model, "model folder or hub repo id")->required();
  tok_cmd->add_option("text", tok.text, "text to tokenize (omit with --jsonl)");
  tok_cmd->add_flag("--no-bos", tok.no_bos, "do not prepend BOS");
  tok_cmd->add_flag("--json", tok.json, "print {\"ids\": [...], \"pieces\": [...]}");
  tok_cmd->add_flag("--jsonl", tok.jsonl,
                    "read one JSON string per line on stdin, write one object per line");
  add_common(tok_cmd);

  janus_cli::UnderstandOptions und;
  CLI::App* und_cmd = app.add_subcommand("understand", "answer questions about images");
  janus_cli::add_run_options(und_cmd, und.run);
  und_cmd->add_option("-i,--image", und.images,
                      "image file (repeatable; order matches <image_placeholder> tags)");
  und_cmd->add_option("-p,--prompt", und.prompt, "question or instruction");
  und_cmd->add_option("--conversation", und.conversation, "JSON list of turns {role, content, images}");
  und_cmd->add_flag("--json", und.json, "print one JSON object with the answer and statistics");
  add_common(und_cmd);

  janus_cli::RunOptions chat;
  CLI::App* chat_cmd = app.add_subcommand("chat", "interactive multi-turn chat about images");
  janus_cli::add_run_options(chat_cmd, chat);
  add_common(chat_cmd);

  janus_cli::GenerateOptions gen;
  CLI::App* gen_cmd = app.add_subcommand("generate", "text to image (Janus-1.3B, Janus-Pro, JanusFlow)");
  gen_cmd->add_option("-m,--model", gen.run.model, "model folder or hub repo id")->required();
  gen_cmd->add_option("-p,--prompt", gen.prompt, "what to draw")->required();
  gen_cmd->add_option("-o,--output", gen.out, "PNG path (out-1.png ... for several images)");
  gen_cmd->add_option("-n,--images", gen.n, "images to generate (1-16)");
  gen_cmd->add_option("--cfg", gen.cfg, "classifier-free guidance weight (default 5; JanusFlow 2)")
      ->check(CLI::Range(0.0f, 50.0f));
  CLI::Option* temp_opt =
      gen_cmd->add_option("--temperature", gen.temperature, "sampling temperature (0 = argmax)")
          ->check(CLI::Range(0.0f, 10.0f));
  CLI::Option* topk_opt =
      gen_cmd->add_option("--top-k", gen.run.top_k, "keep the k most likely codes (0 = off)")
          ->check(CLI::NonNegativeNumber);
  CLI::Option* topp_opt =
      gen_cmd->add_option("--top-p", gen.run.top_p, "nucleus threshold")->check(CLI::Range(0.0f, 1.0f));
  CLI::Option* steps_opt =
      gen_cmd->add_option("--steps", gen.steps, "JanusFlow: Euler steps (1-200, default 30)");
  gen_cmd->add_option("--vae", gen.vae,
                      "JanusFlow: SDXL VAE folder or repo id (default stabilityai/sdxl-vae)");
  gen_cmd->add_option("--noise", gen.noise,
                      "JanusFlow: initial latent .npy, f32 [n,4,48,48] (default: seeded)");
  CLI::Option* seed_opt =
      gen_cmd->add_option("-s,--seed", gen.run.seed, "seed (default: random, printed and stored in the PNG)");
  gen_cmd->add_option("--upscale", gen.upscale, "768 or 1024: Lanczos upscale as the official demos")
      ->check(CLI::IsMember({0, 768, 1024}));
  gen_cmd->add_flag("--force", gen.force, "overwrite existing output files");
  gen_cmd->add_flag("-q,--quiet", gen.quiet, "no progress or summary on stderr");
  gen_cmd->add_option("--precision", gen.run.precision, "bf16 or fp32")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  gen_cmd->add_option("-t,--threads", gen.run.threads, "threads (default: all cores)");
  gen_cmd->add_option("--dump-dir", gen.run.dump_dir, "write named intermediate tensors there as .npy");
  add_common(gen_cmd);

  janus_cli::DecodeVqOptions dvq;
  CLI::App* dvq_cmd = app.add_subcommand("decode-vq", "decode VQ codes (.npy, [n,576]) to PNG");
  dvq_cmd->add_option("-m,--model", dvq.run.model, "model folder or hub repo id")->required();
  dvq_cmd->add_option("--tokens", dvq.tokens, "int64/int32 .npy of codes")->required();
  dvq_cmd->add_option("-o,--output", dvq.out, "PNG path");
  dvq_cmd->add_flag("--force", dvq.force, "overwrite existing output files");
  dvq_cmd->add_option("--precision", dvq.run.precision, "bf16 or fp32")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  dvq_cmd->add_option("--dump-dir", dvq.run.dump_dir, "write named intermediate tensors there as .npy");
  add_common(dvq_cmd);

  janus_cli::DecodeVaeOptions dvae;
  CLI::App* dvae_cmd = app.add_subcommand("decode-vae", "decode an SDXL-VAE latent (.npy, [n,4,h,w]) to PNG");
  dvae_cmd->add_option("--vae", dvae.vae, "VAE folder or hub repo id (AutoencoderKL)")->required();
  dvae_cmd
      ->add_option("--latent", dvae.latent, "f32 .npy latent [n,4,h,w] or [4,h,w] (before 1/scaling_factor)")
      ->required();
  dvae_cmd->add_option("-o,--output", dvae.out, "PNG path (out-1.png ... for several images)");
  dvae_cmd->add_flag("--force", dvae.force, "overwrite existing output files");
  dvae_cmd->add_option("--precision", dvae.run.precision, "bf16 or fp32")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  dvae_cmd->add_option("-t,--threads", dvae.run.threads, "threads (default: all cores)");
  dvae_cmd->add_option("--dump-dir", dvae.run.dump_dir, "write named intermediate tensors there as .npy");
  add_common(dvae_cmd);

  janus::serve::ServeOptions serve;
  CLI::App* serve_cmd = janus::serve::add_serve_command(app, serve);
  add_common(serve_cmd);

  janus::studio::StudioOptions studio;
  CLI::App* studio_cmd = janus::studio::add_studio_command(app, studio);
  add_common(studio_cmd);

  janus_cli::QuantizeOptions quant;
  janus_cli::add_quantize_command(app, quant, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  gen.seed_given = seed_opt->count() > 0;
  if (steps_opt->count() && (gen.steps < 1 || gen.steps > 200)) {
    std::fprintf(stderr, "janus: error: --steps must be 1..200, got %d\n", gen.steps);
    return 2;
  }
  gen.sampling_given = temp_opt->count() + topk_opt->count() + topp_opt->count() > 0;
  if (*serve_cmd) {
    serve.engine.cache_dir = common.cache_dir;
    serve.engine.revision = common.revision;
    serve.engine.offline = common.offline;
    serve.engine.weights = common.quant == "q8_0"                           ? JANUS_WEIGHTS_Q8_0
                           : common.quant == "q4_0" || common.quant == "q4" ? JANUS_WEIGHTS_Q4_0
                                                                            : JANUS_WEIGHTS_NATIVE;
    serve.verbose = common.verbose;
    return janus::serve::run_serve(serve);
  }
  if (*studio_cmd) {
    studio.engine.cache_dir = common.cache_dir;
    studio.engine.revision = common.revision;
    studio.engine.offline = common.offline;
    studio.engine.quant = common.quant;
    if (common.verbose) janus_cli::install_logger(common);
    return janus::studio::run_studio(studio);
  }
  if (*quant.cmd) return janus_cli::run_quantize(quant, common);
  if (*gen_cmd) return janus_cli::run_generate(gen, common);
  if (*dvq_cmd) return janus_cli::run_decode_vq(dvq, common);
  if (*dvae_cmd) return janus_cli::run_decode_vae(dvae, common);
  if (*und_cmd) return janus_cli::run_understand(und, common);
  if (*chat_cmd) return janus_cli::run_chat(chat, common);
  if (*info_cmd) return janus_cli::run_info(info, common);
  tok.text_given = tok_cmd->count("text") > 0;
  if (*tok_cmd) return janus_cli::run_tokenize(tok, common);
  return 2;
}
