#include "pipelines/prompt.h"

#include "core/error.h"
#include "models/model_bundle.h"
#include "text/tokenizer.h"

namespace janus {

namespace {

size_t count_occurrences(std::string_view s, std::string_view needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string_view::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

std::string where_msg(size_t index, Role r) {
  return "conversation[" + std::to_string(index) + "] (" + (r == Role::User ? "user" : "assistant") + ")";
}

}  // namespace

PromptFormat understanding_format(const ModelBundle& m) {
  if (!m.tokenizer) fail(ErrorKind::Model, m.dir.string(), "model has no tokenizer");
  const ProcessorConfig& pc = m.processor;
  const std::string pc_file = (m.dir / "processor_config.json").string();
  if (pc.add_special_token) {
    // The official add_image_token keeps the tag before the start tag, and its mask then counts one
    // row too many: a configuration the released models never use.
    fail(ErrorKind::Unsupported, pc_file + ":add_special_token", "true is not supported");
  }
  if (pc.num_image_tokens <= 0 || pc.num_image_tokens > 65536)
    fail(ErrorKind::Model, pc_file + ":num_image_tokens",
         "out of range: " + std::to_string(pc.num_image_tokens));
  PromptFormat f;
  f.chat = chat_template(pc.sft_format, pc_file + ":sft_format");
  f.flow = m.config.kind == ModelKind::JanusFlow;
  const Tokenizer& tok = *m.tokenizer;
  const bool pro_roles = !f.flow && tok.token_id("<|User|>") >= 0 && tok.token_id("<|Assistant|>") >= 0;
  f.roles = chat_roles(pro_roles ? RoleStyle::Pro : RoleStyle::Plain);
  f.system = std::string(kUnderstandingSystemPrompt);
  f.image_tag = pc.image_tag;
  f.num_image_tokens = pc.num_image_tokens;
  const std::string tok_file = (m.dir / "tokenizer.json").string();
  auto need = [&](const std::string& s, const char* what) {
    const int32_t id = tok.token_id(s);
    if (id < 0) fail(ErrorKind::Model, tok_file, std::string("no id for the ") + what + " '" + s + "'");
    return id;
  };
  f.image = need(pc.image_tag, "image tag");
  f.image_start = need(pc.image_start_tag, "image start tag");
  f.image_end = need(pc.image_end_tag, "image end tag");
  f.bos = tok.bos_id();
  if (f.bos < 0) fail(ErrorKind::Model, tok_file, "no BOS token");
  return f;
}

std::string message_text(const PromptFormat& f, const Message& m, size_t index) {
  const size_t tags = count_occurrences(m.content, f.image_tag);
  const size_t n = m.images.size();
  if (m.role == Role::Assistant && n > 0)
    fail(ErrorKind::InvalidArgument, where_msg(index, m.role), "only user messages can carry images");
  if (tags == 0 && n > 0) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += f.image_tag + "\n";
    return out + m.content;
  }
  if (tags != n) {
    fail(ErrorKind::InvalidArgument, where_msg(index, m.role),
         "has " + std::to_string(tags) + " " + f.image_tag + " tag(s) but " + std::to_string(n) +
             " image(s); the numbers must be equal");
  }
  return m.content;
}

std::string render_understanding(const PromptFormat& f, std::span<const Message> conversation) {
  if (conversation.empty()) fail(ErrorKind::InvalidArgument, "conversation", "is empty");
  std::vector<ChatMessage> msgs;
  for (size_t i = 0; i < conversation.size(); ++i) {
    const Message& m = conversation[i];
    const Role expect = i % 2 == 0 ? Role::User : Role::Assistant;
    if (m.role != expect) {
      fail(ErrorKind::InvalidArgument, where_msg(i, m.role),
           "roles must alternate user, assistant, user, ... starting with the user");
    }
    msgs.push_back({m.role == Role::User ? f.roles.user : f.roles.assistant, message_text(f, m, i)});
  }
  if (conversation.back().role == Role::User) {
    msgs.push_back({f.roles.assistant, ""});
  } else if (!python_strip(conversation.back().content).empty()) {
    fail(ErrorKind::InvalidArgument, where_msg(conversation.size() - 1, Role::Assistant),
         "the last message must be the user's (or an empty assistant turn to answer)");
  }
  return render_chat(f.chat, f.system, msgs);
}

Prompt build_understanding_prompt(const PromptFormat& f, const Tokenizer& tok,
                                  std::span<const Message> conversation) {
  Prompt p;
  p.text = render_understanding(f, conversation);
  size_t images = 0;
  for (const Message& m : conversation) images += m.images.size();
  const std::vector<int32_t> raw = tok.encode(p.text, /*add_bos=*/true);
  if (raw.empty() || raw.front() != f.bos)
    fail(ErrorKind::Model, "tokenizer", "encoding did not start with BOS (add_bos_token false?)");
  p.rows_per_image = f.rows_per_image();
  p.ids.reserve(raw.size() + images * size_t(f.num_image_tokens + 1));
  for (int32_t id : raw) {
    if (id != f.image) {
      p.ids.push_back(id);
      continue;
    }
    // The tag id itself is replaced (add_special_token = false), not kept.
    p.ids.push_back(f.image_start);
    p.image_starts.push_back(int64_t(p.ids.size()) - (f.flow ? 1 : 0));
    p.ids.insert(p.ids.end(), size_t(f.num_image_tokens), f.image);
    p.ids.push_back(f.image_end);
  }
  // Per-message string counts were checked; this guards the tokenizer's view of the same text.
  if (p.image_starts.size() != images) {
    fail(ErrorKind::InvalidArgument, "conversation",
         "tokenized prompt has " + std::to_string(p.image_starts.size()) + " image tag(s) for " +
             std::to_string(images) + " image(s)");
  }
  return p;
}

std::string check_context(int64_t prompt_len, int64_t max_new_tokens, int64_t max_positions) {
  if (max_new_tokens < 0) fail(ErrorKind::InvalidArgument, "max_new_tokens", "must be >= 0");
  if (prompt_len + max_new_tokens > max_positions) {
    fail(ErrorKind::InvalidArgument, "prompt",
         std::to_string(prompt_len) + " positions + max_new_tokens " + std::to_string(max_new_tokens) +
             " exceed the model context of " + std::to_string(max_positions) +
             " (config.json language_config.max_position_embeddings)");
  }
  if (prompt_len + max_new_tokens > kTrainedContext) {
    return "prompt " + std::to_string(prompt_len) + " + max_new_tokens " + std::to_string(max_new_tokens) +
           " positions exceed the 4096 the model was trained on; answers may degrade";
  }
  return "";
}

}  // namespace janus
