// Unit tests of the server's request parsing: base64, data: URIs, chat and image request validation.
#include <gtest/gtest.h>

#include "api_error.h"
#include "base64.h"
#include "chat_request.h"
#include "data_uri.h"
#include "image_request.h"

namespace janus::serve {
namespace {

using nlohmann::json;
const std::string kTag = "<image_placeholder>";
const std::string kPngUri =
    "data:image/png;base64," + base64_encode(std::string("\x89PNG\r\n\x1a\n....", 12));

TEST(Base64, RoundTripsAndRejectsMalformedInput) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVsbG8"), "hello");  // padding optional
  EXPECT_FALSE(base64_decode("aGVsbG8=="));      // wrong padding
  EXPECT_FALSE(base64_decode("a"));              // 6 bits: no encoder ends so
  EXPECT_FALSE(base64_decode("aG=sbG8="));       // '=' inside
  EXPECT_FALSE(base64_decode("aGVs bG8="));      // whitespace
  EXPECT_FALSE(base64_decode("aGVs*G8="));
}

int status_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.status;
  }
  return 0;
}

TEST(DataUri, AcceptsInlineImagesOnly) {
  EXPECT_EQ(decode_image_data_uri(kPngUri, "p").substr(1, 3), "PNG");
  EXPECT_EQ(status_of([] { decode_image_data_uri("https://x/y.png", "p"); }), 400);
  EXPECT_EQ(status_of([] { decode_image_data_uri("data:image/png,raw", "p"); }), 400);
  EXPECT_EQ(status_of([] { decode_image_data_uri("data:image/gif;base64,R0lGODlh", "p"); }), 400);
  EXPECT_EQ(status_of([] { decode_image_data_uri("data:image/png;base64,AAAA", "p"); }), 400);
  EXPECT_EQ(sniff_image_format("RIFF\0\0\0\0WEBPVP8 "), "");  // string_view stops at NUL
  EXPECT_EQ(sniff_image_format(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)), "webp");
  EXPECT_EQ(sniff_image_format("\xff\xd8\xff\xe0"), "jpeg");
}

TEST(ChatRequest, PlacesImagesWhereTheirPartsAreAndFoldsSystemMessages) {
  json body = {{"messages",
                {{{"role", "system"}, {"content", "Be brief."}},
                 {{"role", "user"},
                  {"content",
                   {{{"type", "text"}, {"text", "Compare " + kTag}},
                    {{"type", "image_url"}, {"image_url", {{"url", kPngUri}}}},
                    {{"type", "text"}, {"text", "and"}},
                    {{"type", "image_url"}, {"image_url", {{"url", kPngUri}}}}}}},
                 {{"role", "assistant"}, {"content", "Same."}},
                 {{"role", "user"}, {"content", "Sure?"}},
                 {{"role", "user"}, {"content", "Really?"}}}},
               {"max_tokens", 7},
               {"stop", "x"},
               {"seed", -1}};
  ChatRequest r = parse_chat_request(body, kTag);
  ASSERT_EQ(r.turns.size(), 3u);
  EXPECT_EQ(r.turns[0].content, "Be brief.\n\nCompare \n" + kTag + "\nand\n" + kTag + "\n");
  EXPECT_EQ(r.turns[0].images.size(), 2u);
  EXPECT_EQ(r.turns[2].content, "Sure?\nReally?");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_EQ(r.stop, std::vector<std::string>{"x"});
  EXPECT_EQ(r.seed, ~uint64_t(0));
}

TEST(ChatRequest, RejectsBadShapesWithTheirField) {
  auto param_of = [](const json& body) {
    try {
      parse_chat_request(body, kTag);
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400);
      return e.param;
    }
    return std::string("accepted");
  };
  const json user = {{{"role", "user"}, {"content", "hi"}}};
  EXPECT_EQ(param_of(json::array()), "");
  EXPECT_EQ(param_of({{"messages", "hi"}}), "messages");
  EXPECT_EQ(param_of({{"messages", user}, {"max_tokens", "5"}}), "max_tokens");
  EXPECT_EQ(param_of({{"messages", user}, {"temperature", 3}}), "temperature");
  EXPECT_EQ(param_of({{"messages", user}, {"top_p", 0}}), "top_p");
  EXPECT_EQ(param_of({{"messages", user}, {"stop", {1}}}), "stop");
  EXPECT_EQ(param_of({{"messages", {{{"role", "assistant"}, {"content", "x"}}}}}), "messages[0].role");
  json many = json::array();
  for (int i = 0; i < 10000; ++i) many.push_back({{"type", "image_url"}, {"image_url", {{"url", "data:,"}}}});
  EXPECT_EQ(param_of({{"messages", {{{"role", "user"}, {"content", many}}}}}), "messages");
  EXPECT_EQ(param_of({{"messages", user}}), "accepted");
}

TEST(ImageRequest, SizesFormatsAndModelSpecificFields) {
  ImageRequest r = parse_image_request({{"prompt", "p"}, {"size", "1024x1024"}, {"n", 3}}, false);
  EXPECT_EQ(r.size, 1024);
  EXPECT_EQ(r.n, 3);
  EXPECT_EQ(status_of([] {
              parse_image_request({{"prompt", "p"}, {"response_format", "url"}}, false);
            }),
            400);
  EXPECT_EQ(status_of([] { parse_image_request({{"prompt", "p"}, {"size", "512x512"}}, false); }), 400);
  EXPECT_EQ(status_of([] { parse_image_request({{"prompt", "p"}, {"steps", 5}}, false); }), 400);
  EXPECT_EQ(status_of([] { parse_image_request({{"prompt", "p"}, {"temperature", 1}}, true); }), 400);
  EXPECT_EQ(parse_image_request({{"prompt", "p"}, {"steps", 5}}, true).steps, 5);
}

}  // namespace
}  // namespace janus::serve
