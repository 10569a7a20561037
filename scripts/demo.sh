#!/usr/bin/env bash
# The main job on this machine: installs dependencies, builds kforge, and renders the full offline bundle
# (PKI, kubeconfigs, static-pod manifests, kubelet config) for every example inventory, then prints what it wrote.
# Once the SSH transport and testbed land (issue 3) this brings up a real cluster of test hosts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build
OUT=${KFORGE_DEMO_OUT:-$PWD/out}
for inv in inventories/*.yaml; do
  name=$(basename "$inv" .yaml)
  echo "== $inv"
  ./build/cli/kforge validate -f "$inv"
  ./build/cli/kforge render -f "$inv" --state-dir "$OUT/state/$name" --out "$OUT/render/$name"
done
echo
echo "Bundles are in $OUT/render/<inventory>/<host>/; cluster state (CAs, admin.conf) in $OUT/state/<inventory>/."
echo "Check one: ./build/cli/kforge certs check-expiration --dir $OUT/render/testbed/cp1"
