// Mapping of the shared run flags to C API parameter structs.
#pragma once

#include <vector>

#include "cli_commands.h"
#include "janus.h"

namespace janus_cli {

janus_context_params context_params(const RunOptions& o);
// stop_ptrs keeps the C strings alive for the returned params.
janus_understand_params understand_params(const RunOptions& o, std::vector<const char*>& stop_ptrs);

}  // namespace janus_cli
