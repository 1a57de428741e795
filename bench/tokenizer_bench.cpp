// Tokenizer encode throughput (MB/s of UTF-8 input) on the test corpus and on long English text.
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace {

const std::string kModels = std::string(JANUS_SOURCE_DIR) + "/../shared/models";

janus::Tokenizer* tokenizer() {
  static std::unique_ptr<janus::Tokenizer> tok =
      janus::Tokenizer::from_file(kModels + "/Janus-1.3B/tokenizer.json");
  return tok.get();
}

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  std::ifstream f(std::string(JANUS_SOURCE_DIR) + "/tests/data/tokenizer/corpus.jsonl");
  for (std::string l; std::getline(f, l);) {
    if (!l.empty()) out.push_back(nlohmann::json::parse(l).get<std::string>());
  }
  return out;
}

// ~1 MB of English prose built from varied sentences (words repeat, as in real text).
std::string english() {
  static const char* kSentences[] = {
      "The committee reviewed the proposal carefully before voting on the final budget. ",
      "In 1969, astronauts landed on the Moon and walked across its dusty surface for hours. ",
      "She said, \"We'll meet at the station at 7:30, unless the train is delayed again.\" ",
      "Researchers found that the new material conducts heat twice as well as copper.\n",
      "Please describe the image in detail, including colors, objects, and the overall mood. ",
      "Despite the storm, the fishermen returned safely to the harbor just after midnight. ",
  };
  std::string s;
  size_t i = 0;
  while (s.size() < (1u << 20)) s += kSentences[(i++ * 7) % 6];
  return s;
}

void BM_EncodeCorpus(benchmark::State& state) {
  auto* tok = tokenizer();
  const auto texts = corpus();
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  for (auto _ : state) {
    for (const auto& t : texts) benchmark::DoNotOptimize(tok->encode(t, true));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_EncodeCorpus)->Unit(benchmark::kMillisecond);

void BM_EncodeEnglish(benchmark::State& state) {
  auto* tok = tokenizer();
  const std::string text = english();
  for (auto _ : state) benchmark::DoNotOptimize(tok->encode(text, true));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeEnglish)->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state) {
  auto* tok = tokenizer();
  const std::string text = english();
  const auto ids = tok->encode(text, false);
  for (auto _ : state) benchmark::DoNotOptimize(tok->decode(ids));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

}  // namespace
