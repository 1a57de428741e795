// janus_generate stopped by its progress callback: JANUS_ERR_CANCELLED (not an argument error), no
// image handed out, and the context stays usable for the next call.
#include <gtest/gtest.h>

#include <string>

#include "../common/tiny_models.h"
#include "janus.h"

namespace {

int stop_at_3(const char*, uint64_t done, uint64_t, void*) {
  return done >= 3 ? 1 : 0;
}

TEST(ApiGenerate, ProgressCallbackCancels) {
  REQUIRE_TINY();
  const std::string dir = (janus::test::tiny_models_dir() / "janus-pro-1b").string();
  janus_model* m = nullptr;
  janus_model_params mp = janus_model_default_params();
  mp.offline = 1;
  ASSERT_EQ(janus_model_load(dir.c_str(), &mp, &m), JANUS_OK) << janus_last_error();
  janus_context* c = nullptr;
  janus_context_params cp = janus_context_default_params();
  cp.n_threads = 2;
  ASSERT_EQ(janus_context_create(m, &cp, &c), JANUS_OK) << janus_last_error();

  janus_generate_params gp = janus_generate_default_params();
  gp.temperature = 0;
  gp.progress = stop_at_3;
  janus_image img{};
  EXPECT_EQ(janus_generate(c, "a red square", &gp, &img, nullptr), JANUS_ERR_CANCELLED);
  EXPECT_EQ(img.rgb, nullptr);
  EXPECT_NE(std::string(janus_last_error()).find("cancelled"), std::string::npos);

  gp.progress = nullptr;  // the same context generates normally afterwards
  gp.image_tokens = 4;
  EXPECT_EQ(janus_generate(c, "a red square", &gp, &img, nullptr), JANUS_OK) << janus_last_error();
  janus_image_free(&img);
  janus_context_free(c);
  janus_model_free(m);
}

}  // namespace
