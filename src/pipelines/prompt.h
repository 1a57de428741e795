// Understanding prompts as the official VLChatProcessor builds them: render the conversation with the
// model's chat template and the fixed system prompt, tokenize with BOS, then replace each image tag id
// by [image_start_tag] + num_image_tokens x [image_tag] + [image_end_tag] (spec janus.md §5,
// janusflow.md §4.2-4.3). All ids are looked up by string in the model's tokenizer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/image/image.h"
#include "text/chat_template.h"

namespace janus {

struct ModelBundle;
class Tokenizer;

enum class Role { User, Assistant };

// One conversation turn. `content` may contain image tags marking where its images go, in order; with
// images and no tag, one "<image_placeholder>\n" per image is put before the text (official examples).
struct Message {
  Role role = Role::User;
  std::string content;
  std::vector<Image> images;  // decoded RGB (only user messages may carry images)
};

// Everything model-specific about prompt building, resolved once from a ModelBundle.
struct PromptFormat {
  ChatTemplate chat;      // from processor_config.json sft_format
  ChatRoles roles;        // "<|User|>"/"<|Assistant|>" (Janus-Pro) or "User"/"Assistant"
  std::string system;     // kUnderstandingSystemPrompt
  std::string image_tag;  // "<image_placeholder>"
  int32_t bos = -1, image = -1, image_start = -1, image_end = -1;
  int64_t num_image_tokens = 576;
  bool flow = false;  // JanusFlow: the start tag's row is overwritten too (577 rows per image)
  int64_t rows_per_image() const { return num_image_tokens + (flow ? 1 : 0); }
};

// Roles: JanusFlow -> plain; Janus -> "<|User|>"/"<|Assistant|>" when the tokenizer has both tokens
// (Janus-Pro), else plain (Janus-1.3B, whatever its sft_format). Error(Model) naming the tokenizer when a
// tag has no id; Error(Unsupported) for an unknown sft_format or add_special_token = true.
PromptFormat understanding_format(const ModelBundle& m);

struct Prompt {
  std::string text;                   // the rendered conversation (what gets tokenized)
  std::vector<int32_t> ids;           // expanded ids [T], starting with BOS
  std::vector<int64_t> image_starts;  // per image: first position its rows overwrite (ascending)
  int64_t rows_per_image = 0;         // positions each image overwrites
  int64_t num_images() const { return int64_t(image_starts.size()); }
};

// Text of one message as it enters the template: tags inserted or counted (Error(InvalidArgument)
// naming the message when the tag count differs from its image count, or an assistant message has
// images). `index` is used in messages.
std::string message_text(const PromptFormat& f, const Message& m, size_t index);

// Renders the whole conversation: roles must alternate starting with the user; the last message is the
// user's (an empty assistant turn is appended) or an empty assistant turn. Error(InvalidArgument) otherwise.
std::string render_understanding(const PromptFormat& f, std::span<const Message> conversation);

// render_understanding, tokenize with BOS, expand image tags, compute the overwritten positions.
Prompt build_understanding_prompt(const PromptFormat& f, const Tokenizer& tok,
                                  std::span<const Message> conversation);

// The trained context of the DeepSeek-LLM backbone; prompts past it degrade (spec §10 pitfall 16).
inline constexpr int64_t kTrainedContext = 4096;

// Error(InvalidArgument) when prompt_len + max_new_tokens > max_positions (max_position_embeddings);
// returns a warning text (empty if none) when it exceeds kTrainedContext.
std::string check_context(int64_t prompt_len, int64_t max_new_tokens, int64_t max_positions);

}  // namespace janus
