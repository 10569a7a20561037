#!/usr/bin/env bash
# Installs everything kforge needs to build and test, from Debian packages only (run as root).
# Skips apt-get entirely when every package is already installed.
set -euo pipefail

PACKAGES=(
  # build
  cmake g++ make pkg-config
  libssh2-1-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev libcurl4-openssl-dev
  libcli11-dev libspdlog-dev libgtest-dev libgmock-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # tests: real programs that check what kforge builds
  openssl curl etcd-server etcd-client openssh-server openssh-client
  util-linux procps time  # testbed namespaces (unshare, nsenter), process checks, /usr/bin/time -v in bench/
  iptables ebtables ethtool socat  # what kubeadm's preflight looks for on a node (the testbed hosts are nodes)
  haproxy                 # the testbed's controlPlaneEndpoint load balancer (health-checks every API server)
  python3 python3-yaml    # the testbed's stand-ins for kubelet, kube-apiserver, systemctl, crictl (tests/testbed/standins)
  golang-etcd-server-dev  # etcd's own .proto files (etcdctl/CMakeLists.txt generates the gRPC client from them)
  clang libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes for scripts/fuzz.sh (Debian 12's clang is 14)
  chromium                # a real headless browser renders `kforge report --html` pages in a tools test
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# kubectl: the machine image may already carry one (package "kubectl"); Debian's is "kubernetes-client".
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
