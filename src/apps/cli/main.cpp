// `janus` command line: one binary, one sub-command per job. Uses only the public API.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli_commands.h"
#include "janus.h"

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
  und_cmd->add_option("-i,--image", und.images, "image file (repeatable; order matches <image_placeholder> tags)");
  und_cmd->add_option("-p,--prompt", und.prompt, "question or instruction");
  und_cmd->add_option("--conversation", und.conversation, "JSON list of turns {role, content, images}");
  und_cmd->add_flag("--json", und.json, "print one JSON object with the answer and statistics");
  add_common(und_cmd);

  janus_cli::RunOptions chat;
  CLI::App* chat_cmd = app.add_subcommand("chat", "interactive multi-turn chat about images");
  janus_cli::add_run_options(chat_cmd, chat);
  add_common(chat_cmd);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*und_cmd) return janus_cli::run_understand(und, common);
  if (*chat_cmd) return janus_cli::run_chat(chat, common);
  if (*info_cmd) return janus_cli::run_info(info, common);
  tok.text_given = tok_cmd->count("text") > 0;
  if (*tok_cmd) return janus_cli::run_tokenize(tok, common);
  return 2;
}
