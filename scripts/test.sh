#!/usr/bin/env bash
# The whole test suite: installs dependencies (apt-get), builds, runs every test with ctest, then the unit suite
# again under ASan+UBSan (scripts/sanitize.sh, its own build-asan) and the inventory parser's libFuzzer target for
# 60 s (scripts/fuzz.sh, build-fuzz). Each step prints a line when it starts and when it ends, with the time since
# test.sh started; a failing step stops the run and is named.
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
current="setup"
elapsed() {
  local s=$(($(date +%s) - t0))
  printf '%d:%02d' $((s / 60)) $((s % 60))
}
trap 'rc=$?; ((rc == 0)) || echo "test.sh: [$(elapsed)] FAILED in step: $current (exit $rc)" >&2' EXIT
step() {
  current=$1
  shift
  local s
  s=$(date +%s)
  echo "test.sh: [$(elapsed)] $current ..."
  "$@"
  echo "test.sh: [$(elapsed)] $current: done in $(($(date +%s) - s)) s"
}
run_ctest() { (cd build && ctest --output-on-failure --timeout 600 -j"$(nproc)"); }

step "Debian packages" bash scripts/deps.sh
# The real upstream programs the testbed runs (kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm,
# kubectl, etcd, etcdctl, etcdutl of each pinned release), built once per machine into /var/cache/kforge-testbed.
step "upstream programs" bash tests/upstream/build.sh
step "build" bash scripts/build.sh build
step "ctest (unit, tool and e2e tests)" run_ctest
step "unit suite under ASan+UBSan" bash scripts/sanitize.sh build-asan
step "fuzzing the inventory parser (60 s)" bash scripts/fuzz.sh 60
echo "test.sh: [$(elapsed)] all steps passed"
