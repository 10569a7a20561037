#!/usr/bin/env bash
# The whole test suite: installs dependencies (apt-get), builds, runs every test with ctest.
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# The real upstream programs the testbed runs (kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm,
# kubectl, etcd, etcdctl, etcdutl of each pinned release), built once per machine into /var/cache/kforge-testbed.
bash tests/upstream/build.sh
bash scripts/build.sh build
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)"
