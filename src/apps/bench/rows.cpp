// Row construction and the median of repetitions.
#include <algorithm>
#include <stdexcept>

#include "bench.h"

namespace janus_bench {

bool Options::wants(const std::string& t) const {
  return std::find(tests.begin(), tests.end(), t) != tests.end();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = v.size() / 2;
  return v.size() % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
}

void check(janus_status s, const std::string& what) {
  if (s != JANUS_OK) throw std::runtime_error(what + ": " + janus_last_error());
}

// value is in `unit`; scale converts seconds to that unit (1e3 for ms).
void ModelRun::time_row(const std::string& test, const std::string& metric, const std::string& unit,
                        double value, double scale, Bound bound, double work, const std::string& note) {
  Row row{name, test, metric, unit, true, value, bound, 0, 0, note};
  if (bound == Bound::Memory) {
    row.roofline = work * scale;
  } else if (bound == Bound::Compute) {
    const double bf16 = m.gemm_bf16_gflops > 0 ? m.gemm_bf16_gflops : m.gemm_f32_gflops;
    row.roofline = work / (bf16 * 1e9) * scale;
    row.roofline_f32 = work / (m.gemm_f32_gflops * 1e9) * scale;
  }
  rows.push_back(row);
}

void ModelRun::rate_row(const std::string& test, const std::string& metric, const std::string& unit,
                        double value, Bound bound, double roof_rate, double roof_rate_f32,
                        const std::string& note) {
  rows.push_back(Row{name, test, metric, unit, false, value, bound, roof_rate, roof_rate_f32, note});
}

void machine_rows(const janus_machine_limits& m, std::vector<Row>& rows) {
  rows.push_back(Row{"machine", "machine", "mem_read", "GB/s", false, m.mem_read_gbs, Bound::None, 0, 0,
                     std::to_string(m.n_threads) + " threads, " + m.isa});
  rows.push_back(Row{"machine", "machine", "gemm_f32", "GFLOP/s", false, m.gemm_f32_gflops, Bound::None, 0, 0,
                     "oneDNN 512x2048x256 tiles"});
  rows.push_back(Row{"machine", "machine", "gemm_bf16", "GFLOP/s", false, m.gemm_bf16_gflops, Bound::None, 0,
                     0, "oneDNN 512x2048x256 tiles"});
}

}  // namespace janus_bench
