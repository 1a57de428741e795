// RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF, UTF-8 BOM skipped) for personalisation rows.
#pragma once

#include <string>
#include <vector>

namespace janus::studio {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as the header
  std::vector<int> lines;                      // the line each row starts on (1-based)
  int column(const std::string& name) const;   // -1 when absent
};

// StudioError "file:line: ..." for an unterminated quote, a row with the wrong number of fields, an
// empty or duplicate header name, or no rows.
CsvTable read_csv(const std::string& path);
CsvTable parse_csv(const std::string& text, const std::string& name);

}  // namespace janus::studio
