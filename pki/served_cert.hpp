// What a TLS server actually serves: the certificate a running component presents on its port (kube-apiserver
// :6443, etcd client :2379 and peer :2380). A renewed certificate on disk is not in effect until the component
// restarts; comparing the served serial with the file's is how kforge verifies that it is (bootstrap/
// component_restart.hpp). The handshake does not verify the server (we only read what it presents); for ports
// that require a client certificate (etcd's peer port) one can be given.
#pragma once
#include <string>

namespace kforge::pki {

struct ClientCertPem {
  std::string certPem;
  std::string keyPem;
};

// The serial (upper-case hex, as `openssl x509 -serial` prints it) of the certificate served at host:port.
// The connection honours core/dial.hpp's overrides (bastion port forwards). Throws kforge::Error
// (ExitCode::Unreachable) when nothing answers or no certificate is presented within timeoutMs.
std::string servedCertSerial(const std::string& host, int port, int timeoutMs = 3000, const ClientCertPem* client = nullptr);

// The serial of a PEM certificate (first certificate in the text), same format.
std::string certSerialHex(const std::string& certPem, const std::string& what);

}  // namespace kforge::pki
