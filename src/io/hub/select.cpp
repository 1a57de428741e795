// Which files of a repo make up a runnable model.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "io/hub/cache.h"
#include "io/hub/hub.h"

namespace janus {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

HubFileChoice choose_hub_files(const std::vector<std::string>& repo_files, bool diffusers) {
  HubFileChoice choice;
  std::set<std::string> have(repo_files.begin(), repo_files.end());
  for (const auto& f : have) {
    // Only top-level JSON (config, tokenizer, processor); weight indexes are handled below.
    if (f.find('/') != std::string::npos || !ends_with(f, ".json") || ends_with(f, ".index.json")) continue;
    if (f != "config.json") choice.configs.push_back(f);
  }
  if (have.count("config.json")) choice.configs.insert(choice.configs.begin(), "config.json");

  // Same order transformers/diffusers load in: single safetensors, sharded safetensors, then pickle.
  const std::vector<std::string> transformers = {"model.safetensors", "pytorch_model.bin"};
  const std::vector<std::string> diffusers_names = {"diffusion_pytorch_model.safetensors",
                                                    "diffusion_pytorch_model.bin"};
  const auto& first = diffusers ? diffusers_names : transformers;
  const auto& second = diffusers ? transformers : diffusers_names;
  for (const auto* family : {&first, &second}) {
    for (const auto& name : *family) {
      if (have.count(name)) {
        choice.weight_file = name;
        return choice;
      }
      if (have.count(name + ".index.json")) {
        choice.weight_index = name + ".index.json";
        return choice;
      }
    }
  }
  return choice;
}

std::vector<std::string> shards_in_index(const std::filesystem::path& index_json) {
  std::ifstream in(index_json, std::ios::binary);
  if (!in) fail(ErrorKind::Io, index_json.string(), "cannot open");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(ErrorKind::Format, index_json.string(), "not valid JSON");
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    fail(ErrorKind::Format, index_json.string() + ":weight_map", "missing or not an object");
  std::set<std::string> shards;
  for (const auto& [tensor, file] : j["weight_map"].items()) {
    if (!file.is_string() || !hub_detail::is_safe_repo_path(file.get<std::string>()))
      fail(ErrorKind::Format, index_json.string() + ":weight_map." + tensor,
           "shard name is not a plain relative path");
    shards.insert(file.get<std::string>());
  }
  if (shards.empty()) fail(ErrorKind::Format, index_json.string() + ":weight_map", "lists no shards");
  return {shards.begin(), shards.end()};
}

}  // namespace janus
