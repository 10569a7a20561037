// Process-wide TCP redirects: a connection meant for "host:port" goes to another address instead — a local port
// forward through the SSH bastion ("127.0.0.1:PORT", bootstrap/bastion_route). TLS still checks the original
// host: the etcd client sets gRPC's target-name override, libcurl callers use CURLOPT_CONNECT_TO.
#pragma once
#include <optional>
#include <string>

namespace kforge {

// hostPort: "10.0.0.11:2379" or "[fd00::11]:6443". Thread-safe.
void setDialOverride(const std::string& hostPort, const std::string& dialAddress);
std::optional<std::string> dialOverride(const std::string& hostPort);
// For libcurl: "host:port:dialhost:dialport" when url's host:port is redirected, else "".
std::string curlConnectTo(const std::string& url);

}  // namespace kforge
