// Full-size generation timings (benchmarks, not run by default; janus-bench will own them):
//   JANUS_GEN_BENCH_MODEL=DIR  test_pipelines --gtest_also_run_disabled_tests
//   --gtest_filter='*GenerateTiming*'
// DIR: a full-size Janus checkpoint (gen_tiny.py --size full). Reports prefill and ms per image token for
// n = 1 and n = 4 over the first 32 tokens (the per-token cost grows slowly with the cache length).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "core/thread_pool.h"
#include "models/generation_model.h"
#include "models/model_bundle.h"
#include "pipelines/generate_ar.h"

using namespace janus;

TEST(GenerateTiming, DISABLED_FullSizeTokens) {
  const char* dir = std::getenv("JANUS_GEN_BENCH_MODEL");
  if (!dir) GTEST_SKIP() << "set JANUS_GEN_BENCH_MODEL";
  auto b = load_model_bundle(dir, true);
  auto gm = build_generation_model(*b, ops::Precision::BF16);
  ThreadPool pool(2);
  ops::Context c{&pool, ops::Precision::BF16, false};
  double one = 0;
  for (int n : {1, 4, 1, 4}) {
    GenerateParams p;
    p.n = n;
    p.seed = 1;
    p.image_tokens = 32;
    GenerateResult r = generate_tokens(*b, *gm, c, "A red fox in the snow, photo", p);
    const double per = r.steps_ms / 32;
    if (n == 1) one = per;
    std::printf("[bench] n=%d: prefill %.0f ms, %.1f ms per image token (%.2fx n=1)\n", n, r.prefill_ms, per,
                one > 0 ? per / one : 1.0);
  }
}
