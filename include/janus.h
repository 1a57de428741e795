/* janus.cpp public C API: the only header apps include.
 * Opaque handles, status codes, log and progress callbacks. Every call that can fail returns a
 * janus_status; janus_last_error() gives the message (thread-local) naming the file/field at fault. */
#ifndef JANUS_H
#define JANUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum janus_status {
  JANUS_OK = 0,
  JANUS_ERR_INVALID_ARGUMENT = 1, /* bad request or option */
  JANUS_ERR_IO = 2,               /* file missing / unreadable / unwritable */
  JANUS_ERR_FORMAT = 3,           /* corrupt or unsupported file contents */
  JANUS_ERR_MODEL = 4,            /* config / tensor set / shape mismatch */
  JANUS_ERR_NETWORK = 5,          /* download failed */
  JANUS_ERR_UNSUPPORTED = 6,
  JANUS_ERR_CANCELLED = 7,
  JANUS_ERR_INTERNAL = 8,
} janus_status;

typedef enum janus_log_level {
  JANUS_LOG_DEBUG = 0,
  JANUS_LOG_INFO = 1,
  JANUS_LOG_WARN = 2,
  JANUS_LOG_ERROR = 3
} janus_log_level;

typedef void (*janus_log_callback)(janus_log_level level, const char* message, void* user);
/* Progress of long operations (download, load, generation). Return non-zero to cancel. */
typedef int (*janus_progress_callback)(const char* stage, uint64_t done, uint64_t total, void* user);

/* Message of the last failed call on this thread ("" if none). */
const char* janus_last_error(void);
const char* janus_version(void);
void janus_set_log_callback(janus_log_callback cb, void* user);

typedef struct janus_model janus_model;

/* Storage of the LLM's weight matrices (docs/quantization.md says which tensors each affects). */
typedef enum janus_weight_type {
  JANUS_WEIGHTS_NATIVE = 0, /* as stored in the checkpoint (bf16 for the released models) */
  JANUS_WEIGHTS_Q8_0 = 1,   /* 8-bit blocks of 32 (GGML Q8_0) */
  JANUS_WEIGHTS_Q4_0 = 2,   /* 4-bit blocks of 32 (GGML Q4_0); output heads stay Q8_0 */
} janus_weight_type;

typedef struct janus_model_params {
  const char* cache_dir;     /* HF hub cache; NULL = $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub */
  const char* revision;      /* hub revision for repo ids; NULL = "main" */
  int offline;               /* never touch the network (also set by HF_HUB_OFFLINE=1) */
  int load_tensors;          /* 0: config + tokenizer only (fast info/tokenize) */
  janus_weight_type weights; /* quantize at load (NATIVE: as stored) */
  janus_progress_callback progress;
  void* progress_user;
} janus_model_params;

janus_model_params janus_model_default_params(void);

/* path_or_repo: a local folder in HF snapshot layout, a GGUF file written by janus_quantize, or a hub
 * repo id such as "deepseek-ai/Janus-Pro-1B" looked up in the HF cache and downloaded when missing. */
janus_status janus_model_load(const char* path_or_repo, const janus_model_params* params, janus_model** out);
void janus_model_free(janus_model* model);

/* Converts a model (folder or hub repo id, resolved as janus_model_load does with the hub fields of
 * params; NULL = defaults) into one self-contained GGUF file at out_path: every tensor, the configs and
 * the tokenizer (docs/quantization.md, "GGUF files"). type Q8_0 / Q4_0 block-quantizes the tensors
 * janus_model_params.weights would; NATIVE keeps every tensor as stored (bf16 for the released
 * models). janus_model_load accepts the result as path_or_repo. Refuses an existing out_path unless
 * overwrite. progress("quantize", tensors done, total, user) after each tensor; non-zero cancels
 * (JANUS_ERR_CANCELLED). On any failure no file is left at out_path (nor a temporary beside it). */
janus_status janus_quantize(const char* model, const janus_model_params* params, const char* out_path,
                            janus_weight_type type, int overwrite, janus_progress_callback progress,
                            void* user);

/* Model description as a JSON object (kind, dims, dtypes, tensor count/bytes, special tokens, files).
 * The string is owned by the model and valid until it is freed. */
const char* janus_model_info_json(const janus_model* model);

/* Every checkpoint tensor as a JSON array of {"name","dtype","shape"}, sorted by name ("[]" when the
 * model was loaded without tensors). Owned by the model. */
const char* janus_model_tensors_json(const janus_model* model);

/* Tokenize UTF-8 text as the model's processor does (BOS first when add_bos).
 * Writes up to cap ids; *n_out receives the full count (call again with a larger buffer if > cap). */
janus_status janus_tokenize(const janus_model* model, const char* text, size_t len, int add_bos, int32_t* ids,
                            size_t cap, size_t* n_out);
/* Raw bytes of one token's piece (byte-level decoded; may be a partial UTF-8 sequence). */
janus_status janus_token_piece(const janus_model* model, int32_t id, char* buf, size_t cap, size_t* n_out);
/* The token as spelled in tokenizer.json's vocabulary (byte-level form, e.g. "\u0120the"); always valid
 * UTF-8. This is what Hugging Face's convert_ids_to_tokens returns. */
janus_status janus_token_string(const janus_model* model, int32_t id, char* buf, size_t cap, size_t* n_out);
/* Decode ids to UTF-8 text (invalid sequences become U+FFFD); skip_special drops special tokens. */
janus_status janus_detokenize(const janus_model* model, const int32_t* ids, size_t n, int skip_special,
                              char* buf, size_t cap, size_t* n_out);

/* ---------------------------------------------------------------- inference contexts */

typedef enum janus_precision {
  JANUS_PRECISION_BF16 = 0, /* default: bf16 weights, rounding where the official bf16 run rounds */
  JANUS_PRECISION_FP32 = 1, /* exact fp32 reference mode (bf16 weights upcast) */
} janus_precision;

/* A context owns the inference state (thread pool, KV cache, conversation) of one user of a model.
 * One model may serve several contexts; one context is used by one thread at a time. */
typedef struct janus_context janus_context;

typedef struct janus_context_params {
  int n_threads; /* <= 0: all cores */
  janus_precision precision;
  int reference_ops;    /* 1: plain reference kernels only (debugging, tests) */
  const char* dump_dir; /* when set, named intermediate tensors are written there as .npy */
} janus_context_params;

janus_context_params janus_context_default_params(void);
janus_status janus_context_create(janus_model* model, const janus_context_params* params,
                                  janus_context** out);
void janus_context_free(janus_context* ctx);

/* ---------------------------------------------------------------- understanding */

typedef struct janus_image_input {
  const char* path;    /* an image file (PNG, JPEG, WebP, BMP, GIF), or NULL ... */
  const uint8_t* data; /* ... encoded image bytes */
  size_t size;
} janus_image_input;

typedef struct janus_message {
  const char* role;    /* "user" or "assistant" */
  const char* content; /* may contain <image_placeholder> tags marking where its images go */
  const janus_image_input* images;
  size_t n_images;
} janus_message;

typedef struct janus_sampling_params {
  float temperature;        /* 0: greedy (argmax, lowest index on ties) */
  float top_p;              /* 1: off */
  int top_k;                /* 0: off */
  float repetition_penalty; /* 1: off */
  uint64_t seed;
} janus_sampling_params;

typedef struct janus_understand_params {
  janus_sampling_params sampling;
  int max_new_tokens;
  const char* const* stop; /* stop strings (not included in the answer) */
  size_t n_stop;
} janus_understand_params;

typedef struct janus_understand_stats {
  int prompt_tokens; /* positions in the rendered prompt (image tokens included) */
  int reused_tokens; /* of those, taken from the KV cache of the previous turn */
  int generated_tokens;
  double encode_ms; /* image preprocessing + vision tower + aligner */
  double prefill_ms;
  double decode_ms;
  char stop_reason[16]; /* "eos", "length", "stop", "cancelled" */
} janus_understand_stats;

/* Called with each new piece of answer text (whole UTF-8 characters). Return non-zero to stop. */
typedef int (*janus_text_callback)(const char* piece, size_t len, void* user);

janus_understand_params janus_understand_default_params(void);
/* Answers the last (user) message of a conversation. The whole conversation is rendered with the
 * model's official template each call; the KV cache is reused for the unchanged prefix.
 * *answer receives the full answer (free with janus_string_free); stats may be NULL. */
janus_status janus_understand(janus_context* ctx, const janus_message* messages, size_t n_messages,
                              const janus_understand_params* params, janus_text_callback on_text, void* user,
                              char** answer, janus_understand_stats* stats);
/* Next-token probabilities of candidate answers (VQAScore-style scoring: "Does this image show ...?
 * Answer yes or no." -> P("Yes")). The conversation is rendered exactly as janus_understand renders it
 * (the last message is the user's; the answer starts right after the template's "Assistant:"), one
 * forward pass is run (the KV cache is reused as by janus_understand), and probs[i] receives the
 * softmax over the whole vocabulary of the logit of answers[i]'s FIRST token (answers[i] tokenized
 * without BOS). Spelling matters: after "Assistant:" the models' answers start with a space, so
 * " Yes" (one token, "\u0120Yes") is the likely variant and "Yes" a second, distinct token; pass both
 * and add them up for the total. Answers with the same first token get the same probability.
 * Error (INVALID_ARGUMENT) when an answer is empty or gives no token. */
janus_status janus_answer_probability(janus_context* ctx, const janus_message* messages, size_t n_messages,
                                      const char* const* answers, size_t n_answers, float* probs);

/* Forgets the conversation state (KV cache) of the context. */
void janus_context_reset(janus_context* ctx);
void janus_string_free(char* s);

/* ---------------------------------------------------------------- image generation */

typedef struct janus_image {
  int width, height;
  uint8_t* rgb; /* [height, width, 3], owned: free with janus_image_free */
} janus_image;

typedef struct janus_generate_params {
  int n_images;      /* 1..16 */
  float cfg;         /* classifier-free guidance weight; < 0 = the model's default (5; JanusFlow 2) */
  float temperature; /* default 1; 0 = argmax (deterministic); autoregressive models only */
  int top_k;         /* 0 = off; autoregressive models only */
  float top_p;       /* 1 = off; autoregressive models only */
  uint64_t seed;
  int upscale; /* 0 (384x384 as the model makes it), 768 or 1024 (Lanczos, as the official demos) */
  /* Called after every step with (stage "generate" per image token, or "flow" per Euler step, step,
   * total); return non-zero to cancel. */
  janus_progress_callback progress;
  void* progress_user;
  /* JanusFlow (rectified flow) only: an error with another model when set. */
  int steps;          /* Euler steps 1..200; 0 = 30 (the official default) */
  janus_model* vae;   /* required for JanusFlow: the SDXL VAE, janus_model_load of an AutoencoderKL
                       * folder or repo id (e.g. "stabilityai/sdxl-vae") */
  const float* noise; /* optional initial latent [n_images, 4, 48, 48] (f32); NULL = seeded noise */
  size_t noise_len;   /* number of floats in noise */
  /* Autoregressive models only, a benchmark/preview knob: 0 = all image tokens (576). 1..575 stops
   * after that many token steps and returns NO images (every images[i] is left {0, 0, NULL}); the
   * stats still describe the steps run. */
  int image_tokens;
} janus_generate_params;

typedef struct janus_generate_stats {
  int prompt_tokens;
  double prefill_ms, tokens_ms, decode_ms; /* tokens = the 576 token steps or the Euler steps;
                                              decode = VQ decoder or VAE */
  float cfg;                               /* the guidance weight used */
  int steps;                               /* image tokens or Euler steps run */
} janus_generate_stats;

janus_generate_params janus_generate_default_params(void);
/* Text-to-image: Janus-1.3B / Janus-Pro (autoregressive VQ tokens) or JanusFlow (rectified flow, with
 * params->vae). images must hold params->n_images entries; on success each is filled (free with
 * janus_image_free). */
janus_status janus_generate(janus_context* ctx, const char* prompt, const janus_generate_params* params,
                            janus_image* images, janus_generate_stats* stats);
/* Decodes given VQ codes (n_images x 576, raster order) with the model's VQ decoder. */
janus_status janus_decode_vq(janus_context* ctx, const int32_t* codes, size_t n_images,
                             size_t codes_per_image, janus_image* images);
/* Decodes latents [n_images, channels, height, width] (f32; the sampler's latent, before the division
 * by the VAE's scaling_factor) with a context created on a VAE model (an AutoencoderKL folder). */
janus_status janus_decode_latent(janus_context* ctx, const float* latent, size_t n_images, size_t channels,
                                 size_t height, size_t width, janus_image* images);
void janus_image_free(janus_image* image);
/* Reads VQ codes from a .npy file (int64/int32 [n, 576] or [576]); free *codes with janus_codes_free. */
janus_status janus_read_codes_npy(const char* path, int32_t** codes, size_t* n_images,
                                  size_t* codes_per_image);
void janus_codes_free(int32_t* codes);
/* Reads an f32 .npy of shape [n, c, h, w] or [c, h, w] (n = 1) into *data (free with janus_floats_free);
 * shape receives {n, c, h, w}. */
janus_status janus_read_latent_npy(const char* path, float** data, size_t shape[4]);
void janus_floats_free(float* data);
/* Writes a PNG with UTF-8 text metadata (keys[i] -> values[i]); refuses to replace an existing
 * file unless overwrite. */
janus_status janus_write_png(const char* path, const janus_image* image, const char* const* keys,
                             const char* const* values, size_t n_text, int overwrite);

/* ---------------------------------------------------------------- benchmarking */

/* The machine's attainable limits, measured with the engine's own thread pool and kernels. */
typedef struct janus_machine_limits {
  double mem_read_gbs;     /* read bandwidth, GB/s (1e9 bytes): sum over a 256 MiB buffer, 4 streams/thread */
  double gemm_f32_gflops;  /* oneDNN f32 matmul, 512 x 2048 x 256 tiles, one per thread at a time */
  double gemm_bf16_gflops; /* the same with bf16 inputs; 0 when oneDNN has no bf16 matmul on this CPU */
  int n_threads;           /* threads used */
  char isa[16];            /* the engine's active kernel level ("portable", "avx2", "avx512", "avx512bf16") */
} janus_machine_limits;

/* Measures *out in about `seconds` (0 < seconds <= 600; each figure is the best of repeated passes
 * after a warm-up) on n_threads threads (<= 0: all cores). Allocates about 256 MiB while it runs. */
janus_status janus_measure_machine(int n_threads, double seconds, janus_machine_limits* out);

/* Floating-point operations (2 per multiply-add) executed so far by this process's matrix ops:
 * linear layers, matmuls, attention, convolutions. Element-wise work is not counted. Differences
 * around a call give the work it did, e.g. for a FLOPs / peak roofline. */
uint64_t janus_flops_counted(void);

#ifdef __cplusplus
}
#endif

#endif /* JANUS_H */
