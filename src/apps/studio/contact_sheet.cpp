#include "contact_sheet.h"

#include <cstdio>

namespace janus::studio {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string fmt(double v, const char* f = "%.3f") {
  char b[32];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

std::string contact_sheet_html(const nlohmann::json& m) {
  const std::string title = m.contains("campaign") ? m["campaign"].value("name", "campaign") : "campaign";
  std::string h = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>)" +
                  html_escape(title) + R"( — janus studio</title>
<style>
body{font-family:"DejaVu Sans",sans-serif;margin:24px;background:#f4f4f6;color:#1d1d1f}
section.creative{background:#fff;border-radius:10px;padding:16px;margin:0 0 20px;display:flex;gap:20px;flex-wrap:wrap}
.final{max-width:360px;max-height:360px;border:1px solid #ccc}
.cands{display:flex;gap:10px;flex-wrap:wrap}
figure{margin:0;text-align:center;font-size:12px}
figure img{width:128px;height:128px;border:3px solid transparent}
figure.chosen img{border-color:#2a9d4a}
.meta{max-width:420px;font-size:13px}
.meta h2{font-size:16px;margin:0 0 6px}
.pending{color:#a05a00}
</style></head><body>
<h1>)" + html_escape(title) +
                  R"(</h1>
<p>Model: )" + html_escape(m.value("model", "")) +
                  R"( · candidates per creative: )" + std::to_string(m.value("candidates", 0)) +
                  R"( · score = P(yes) + brand colour weight × affinity</p>
)";
  for (const nlohmann::json& c : m.value("creatives", nlohmann::json::array())) {
    const std::string id = c.value("id", "");
    const bool done = c.value("status", "") == "done";
    h += "<section class=\"creative\" data-id=\"" + html_escape(id) + "\" data-status=\"" +
         html_escape(c.value("status", "")) + "\">\n";
    const auto files = c.value("files", nlohmann::json::array());
    if (done && !files.empty())
      h += "<a href=\"" + html_escape(files[0].get<std::string>()) + "\"><img class=\"final\" alt=\"" +
           html_escape(id) + "\" src=\"" + html_escape(files[0].get<std::string>()) + "\"></a>\n";
    else
      h += "<p class=\"pending\">" + html_escape(id) + ": not finished</p>\n";
    h += "<div class=\"meta\"><h2>" + html_escape(id) + "</h2>";
    if (c.contains("copy")) {
      const auto& cp = c["copy"];
      h += "<p><b>" + html_escape(cp.value("headline", "")) + "</b></p><p>" +
           html_escape(cp.value("body", "")) + "</p><p>[" + html_escape(cp.value("cta", "")) + "]</p>";
    }
    h += "<p><small>" + html_escape(c.value("prompt", "")) + "</small></p>";
    if (c.contains("format"))
      h += "<p><small>" + html_escape(c["format"].value("name", "")) + " " +
           std::to_string(c["format"].value("width", 0)) + "×" +
           std::to_string(c["format"].value("height", 0)) + " · seed " +
           std::to_string(c.value("seed", 0ull)) + "</small></p>";
    h += "</div>\n<div class=\"cands\">\n";
    const int chosen = c.value("chosen", -1);
    for (const nlohmann::json& k : c.value("candidates", nlohmann::json::array())) {
      const int idx = k.value("index", -1);
      h += std::string("<figure class=\"candidate") + (idx == chosen ? " chosen" : "") +
           "\"><img alt=\"candidate " + std::to_string(idx) + "\" src=\"" + html_escape(k.value("file", "")) +
           "\"><figcaption>#" + std::to_string(idx) + " score " + fmt(k.value("score", 0.0)) + "<br>P(yes) " +
           fmt(k.value("p_yes", 0.0), "%.2e") + "</figcaption></figure>\n";
    }
    h += "</div></section>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace janus::studio
