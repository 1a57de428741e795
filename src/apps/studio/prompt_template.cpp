#include "prompt_template.h"

#include "studio_error.h"

namespace janus::studio {

namespace {

// Walks the template, calling lit(text) for literal text and var(name) for each variable.
template <class L, class V>
void walk(const std::string& t, const std::string& where, L&& lit, V&& var) {
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, 2, "{{") == 0 || t.compare(i, 2, "}}") == 0) {
      lit(std::string(1, t[i]));
      i += 2;
    } else if (t[i] == '{') {
      const size_t e = t.find('}', i);
      if (e == std::string::npos)
        throw StudioError(where + ": unclosed '{' at character " + std::to_string(i + 1));
      std::string name = t.substr(i + 1, e - i - 1);
      while (!name.empty() && name.front() == ' ') name.erase(name.begin());
      while (!name.empty() && name.back() == ' ') name.pop_back();
      if (name.empty())
        throw StudioError(where + ": empty variable {} at character " + std::to_string(i + 1));
      var(name);
      i = e + 1;
    } else {
      lit(std::string(1, t[i]));
      ++i;
    }
  }
}

}  // namespace

std::set<std::string> template_variables(const std::string& tmpl, const std::string& where) {
  std::set<std::string> out;
  walk(
      tmpl, where, [](const std::string&) {}, [&](const std::string& n) { out.insert(n); });
  return out;
}

std::string fill_template(const std::string& tmpl, const Vars& vars, const std::string& where) {
  std::string out;
  walk(
      tmpl, where, [&](const std::string& s) { out += s; },
      [&](const std::string& n) {
        const auto it = vars.find(n);
        if (it == vars.end()) {
          std::string known;
          for (const auto& [k, v] : vars) known += (known.empty() ? "" : ", ") + k;
          throw StudioError(where + ": unknown variable {" + n + "} (known: " + known + ")");
        }
        out += it->second;
      });
  return out;
}

}  // namespace janus::studio
