// `janus info MODEL`: what the engine sees in a model folder or hub repo.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_commands.h"
#include "janus.hpp"

namespace janus_cli {

namespace {
std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", b, units[u]);
  return buf;
}

void print_section(const nlohmann::ordered_json& j, const std::string& indent) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_object()) {
      std::cout << indent << it.key() << ":\n";
      print_section(*it, indent + "  ");
    } else if (it->is_array() && !it->empty() && (*it)[0].is_object()) {
      std::cout << indent << it.key() << ":\n";
      for (const auto& e : *it) std::cout << indent << "  - " << e.dump() << "\n";
    } else {
      std::cout << indent << it.key() << ": " << (it->is_string() ? it->get<std::string>() : it->dump())
                << "\n";
    }
  }
}
}  // namespace

int run_info(const InfoOptions& o, const CommonOptions& c) {
  install_logger(c);
  try {
    janus_cpp::Model model(o.model, model_params(c, /*load_tensors=*/true));
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(model.info_json());
    nlohmann::ordered_json tensors = nlohmann::ordered_json::parse(model.tensors_json());
    if (o.tensors) j["tensor_list"] = tensors;
    if (o.json) {
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    if (j.contains("tensors") && j["tensors"].contains("bytes"))
      j["tensors"]["bytes_human"] = human_bytes(j["tensors"]["bytes"].get<double>());
    if (o.tensors) j.erase("tensor_list");
    print_section(j, "");
    if (o.tensors) {
      std::cout << "tensor_list:\n";
      for (const auto& t : tensors) {
        std::string shape;
        for (const auto& d : t["shape"]) shape += (shape.empty() ? "" : ",") + d.dump();
        std::cout << "  " << t["name"].get<std::string>() << "\t" << t["dtype"].get<std::string>() << "\t["
                  << shape << "]\n";
      }
    }
    return 0;
  } catch (const janus_cpp::Error& e) {
    return report_error(e.status());
  }
}

}  // namespace janus_cli
