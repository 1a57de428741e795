// Model answers -> usable copy: control characters, replacement characters, role echoes, quotes and
// surplus whitespace removed, then cut to a length limit at a word boundary (CJK: at a character).
#pragma once

#include <string>

namespace janus::studio {

// Cleans and truncates to at most max_chars code points (an ellipsis is not added: copy must read
// as written). Empty when nothing usable remains.
std::string clean_copy(const std::string& answer, int max_chars);
// Code points in a UTF-8 string.
size_t count_chars(const std::string& s);

}  // namespace janus::studio
