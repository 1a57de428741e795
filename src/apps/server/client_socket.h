// Whether an HTTP client is still connected while its request waits for the engine.
// cpp-httplib 0.11 gives handlers no socket, so the connection is found among the process's open
// sockets by its two endpoints (unique for TCP), then polled for a hang-up.
#pragma once

#include <string>

namespace janus::serve {

class ClientSocket {
 public:
  // remote/local as cpp-httplib's Request reports them (numeric address and port).
  ClientSocket(const std::string& remote_addr, int remote_port, int local_port);
  // False once the peer closed or reset the connection; true while it is open (or unknown).
  bool connected() const;

 private:
  int fd_ = -1;
};

}  // namespace janus::serve
