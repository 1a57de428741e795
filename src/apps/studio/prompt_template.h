// Prompt templates: "{item.name}" style variables filled from a flat map; "{{" and "}}" are literal
// braces. Unknown variables are errors (a typo must not reach the model as literal text).
#pragma once

#include <map>
#include <set>
#include <string>

namespace janus::studio {

using Vars = std::map<std::string, std::string>;

// The variable names a template uses; StudioError (`where` + message) for an unclosed brace.
std::set<std::string> template_variables(const std::string& tmpl, const std::string& where);
// Fills the template; StudioError naming `where` and the variable when one is unknown.
std::string fill_template(const std::string& tmpl, const Vars& vars, const std::string& where);

}  // namespace janus::studio
