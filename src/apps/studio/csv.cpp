#include "csv.h"

#include <fstream>
#include <set>
#include <sstream>

#include "studio_error.h"

namespace janus::studio {

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return int(i);
  return -1;
}

CsvTable parse_csv(const std::string& text, const std::string& name) {
  CsvTable t;
  std::vector<std::vector<std::string>> records;
  std::vector<int> starts;
  std::vector<std::string> rec;
  std::string field;
  size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  int line = 1, rec_line = 1;
  bool quoted = false, any = false;
  auto end_field = [&] {
    rec.push_back(field);
    field.clear();
  };
  auto end_record = [&] {
    end_field();
    const bool blank = rec.size() == 1 && rec[0].empty();
    if (!blank) {
      records.push_back(rec);
      starts.push_back(rec_line);
    }
    rec.clear();
    any = false;
  };
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (!any) rec_line = line;
    any = true;
    if (c == '"') {
      if (!field.empty())
        fail_at(name, line, 0, "", "a quote inside an unquoted field (quote the whole field)");
      quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      end_record();
      ++line;
    } else {
      field += c;
    }
  }
  if (quoted) fail_at(name, rec_line, 0, "", "unterminated quoted field");
  if (any) end_record();
  if (records.empty()) fail_at(name, 1, 0, "", "empty CSV: a header row is required");
  t.header = records[0];
  std::set<std::string> seen;
  for (size_t k = 0; k < t.header.size(); ++k) {
    std::string& h = t.header[k];
    while (!h.empty() && (h.back() == ' ')) h.pop_back();
    while (!h.empty() && (h.front() == ' ')) h.erase(h.begin());
    if (h.empty()) fail_at(name, starts[0], 0, "column " + std::to_string(k + 1), "empty header name");
    if (!seen.insert(h).second)
      fail_at(name, starts[0], 0, "column " + std::to_string(k + 1), "duplicate header \"" + h + "\"");
  }
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != t.header.size())
      fail_at(name, starts[r], 0, "",
              "row has " + std::to_string(records[r].size()) + " fields, the header has " +
                  std::to_string(t.header.size()));
    t.rows.push_back(records[r]);
    t.lines.push_back(starts[r]);
  }
  if (t.rows.empty()) fail_at(name, starts[0], 0, "", "no data rows after the header");
  return t;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_at(path, 0, 0, "", "cannot read the CSV file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_csv(ss.str(), path);
}

}  // namespace janus::studio
