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

typedef struct janus_model_params {
  const char* cache_dir; /* HF hub cache; NULL = $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub */
  const char* revision;  /* hub revision for repo ids; NULL = "main" */
  int offline;           /* never touch the network (also set by HF_HUB_OFFLINE=1) */
  int load_tensors;      /* 0: config + tokenizer only (fast info/tokenize) */
  janus_progress_callback progress;
  void* progress_user;
} janus_model_params;

janus_model_params janus_model_default_params(void);

/* path_or_repo: a local folder in HF snapshot layout, or a hub repo id such as
 * "deepseek-ai/Janus-Pro-1B" looked up in the HF cache and downloaded when missing. */
janus_status janus_model_load(const char* path_or_repo, const janus_model_params* params, janus_model** out);
void janus_model_free(janus_model* model);

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

#ifdef __cplusplus
}
#endif

#endif /* JANUS_H */
