// index.html: a self-contained contact sheet (no scripts, relative links) of every creative in the
// manifest with its candidates, their scores, the chosen one and the copy.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace janus::studio {

std::string contact_sheet_html(const nlohmann::json& manifest);
std::string html_escape(const std::string& s);

}  // namespace janus::studio
