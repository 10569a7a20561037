// With spec.ssh.bastion, kforge's own etcd and Kubernetes API calls go through the bastion like its SSH
// sessions do: once per process, a local port forward (ssh/forward.hpp) through the bastion is opened to every
// etcd host's client port (2379), every control-plane host's API port and the controlPlaneEndpoint, and
// registered in core/dial.hpp so every etcd client and libcurl request dials it. TLS stays end to end and is
// checked against the real address. Without a bastion this does nothing.
#pragma once
#include "core/inventory.hpp"

namespace kforge {

// Throws kforge::Error (ExitCode::Unreachable) naming the bastion when it cannot be reached.
void routeThroughBastion(const Cluster& c);

}  // namespace kforge
