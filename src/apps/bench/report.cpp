// Output: an aligned text table, CSV (one header line, one line per row) or one JSON object.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "bench.h"

namespace janus_bench {

namespace {

const char* bound_name(Bound b) {
  return b == Bound::Memory ? "memory" : b == Bound::Compute ? "compute" : "none";
}

std::string num(double v) {
  if (v == 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.1f" : v >= 1 ? "%.3g" : "%.3g", v);
  return buf;
}

std::string pct(double r) {
  if (r <= 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", r * 100);
  return buf;
}

std::string csv_field(const std::string& s) {
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

}  // namespace

void print_table(const std::vector<Row>& rows, const janus_machine_limits& m) {
  std::printf("janus-bench %s: %d threads, kernels %s; roofline %% = share of the machine limit reached\n",
              janus_version(), m.n_threads, m.isa);
  std::printf("%-16s %-10s %-18s %12s %-8s %12s %8s %12s %8s  %s\n", "model", "test", "metric", "value",
              "unit", "roofline", "% roof", "roof f32", "% f32", "note");
  for (const Row& r : rows)
    std::printf("%-16s %-10s %-18s %12s %-8s %12s %8s %12s %8s  %s\n", r.model.c_str(), r.test.c_str(),
                r.metric.c_str(), num(r.value).c_str(), r.unit.c_str(), num(r.roofline).c_str(),
                pct(r.ratio()).c_str(), num(r.roofline_f32).c_str(), pct(r.ratio_f32()).c_str(),
                r.note.c_str());
}

void print_csv(const std::vector<Row>& rows) {
  std::printf("model,test,metric,value,unit,kind,bound,roofline,ratio,roofline_f32,ratio_f32,note\n");
  for (const Row& r : rows)
    std::printf("%s,%s,%s,%.6g,%s,%s,%s,%.6g,%.6g,%.6g,%.6g,%s\n", csv_field(r.model).c_str(), r.test.c_str(),
                r.metric.c_str(), r.value, r.unit.c_str(), r.time ? "time" : "rate", bound_name(r.bound),
                r.roofline, r.ratio(), r.roofline_f32, r.ratio_f32(), csv_field(r.note).c_str());
}

void print_json(const std::vector<Row>& rows, const janus_machine_limits& m, const Options& o) {
  nlohmann::ordered_json j;
  j["version"] = janus_version();
  j["machine"] = {{"mem_read_gbs", m.mem_read_gbs},
                  {"gemm_f32_gflops", m.gemm_f32_gflops},
                  {"gemm_bf16_gflops", m.gemm_bf16_gflops},
                  {"threads", m.n_threads},
                  {"isa", m.isa}};
  j["settings"] = {{"precision", o.precision},         {"reps", o.reps},
                   {"decode_tokens", o.decode_tokens}, {"image_tokens", o.image_tokens},
                   {"flow_steps", o.flow_steps},       {"machine_seconds", o.machine_seconds}};
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const Row& r : rows)
    a.push_back({{"model", r.model},
                 {"test", r.test},
                 {"metric", r.metric},
                 {"value", r.value},
                 {"unit", r.unit},
                 {"kind", r.time ? "time" : "rate"},
                 {"bound", bound_name(r.bound)},
                 {"roofline", r.roofline},
                 {"ratio", r.ratio()},
                 {"roofline_f32", r.roofline_f32},
                 {"ratio_f32", r.ratio_f32()},
                 {"note", r.note}});
  j["rows"] = a;
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace janus_bench
