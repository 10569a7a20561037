#!/usr/bin/env bash
# The main job on this machine: installs dependencies, builds the real upstream control-plane programs (once per
# machine) and kforge, brings up the local testbed (5 real test hosts: namespaces with their own 127.0.1.x address
# and a real sshd each, HAProxy as the endpoint) and builds a cluster on it with `kforge apply` — 3 stacked
# control planes (the real etcd, kube-apiserver, controller-manager, scheduler) + 2 workers — then shows its
# status and how to reach it. Also renders the offline bundle of every example inventory into ./out/.
# Run as root on Debian 12. Tear down with: tests/testbed/testbed down
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash tests/upstream/build.sh   # the real control-plane programs, built once per machine (~40 min the first time)
bash scripts/build.sh build
KFORGE=$PWD/build/cli/kforge

OUT=${KFORGE_DEMO_OUT:-$PWD/out}
for inv in inventories/*.yaml; do
  name=$(basename "$inv" .yaml)
  "$KFORGE" validate -f "$inv" >/dev/null
  "$KFORGE" render -f "$inv" --state-dir "$OUT/state/$name" --out "$OUT/render/$name" | tail -1
done

TB=${TESTBED_DIR:-/tmp/kforge-testbed}
tests/testbed/testbed up 5 --dir "$TB"
"$KFORGE" apply -f "$TB/inventory.yaml"
"$KFORGE" status -f "$TB/inventory.yaml"
# A verified backup (streamed, hash-checked, read back) and its restore drill in a throwaway etcd.
"$KFORGE" backup -f "$TB/inventory.yaml" --reason manual
"$KFORGE" backup verify latest -f "$TB/inventory.yaml"
cat <<MSG

The cluster is up on the testbed ($TB):
  /var/cache/kforge-testbed/bin/kubectl-$(awk '!/^#/ && NF {print $1; exit}' tests/upstream/releases) --kubeconfig $TB/.kforge/testbed/admin.conf get nodes
  $KFORGE status -f $TB/inventory.yaml
  ETCDCTL_API=3 etcdctl --endpoints=https://127.0.1.11:2379 --cacert $TB/.kforge/testbed/pki/etcd/ca.crt \\
      --cert $TB/.kforge/testbed/hosts/tb1/pki/etcd/healthcheck-client.crt \\
      --key $TB/.kforge/testbed/hosts/tb1/pki/etcd/healthcheck-client.key member list
  ssh -i $TB/id_ed25519 -o UserKnownHostsFile=$TB/known_hosts root@127.0.1.11
  $KFORGE backup list -f $TB/inventory.yaml        # backups in $TB/backups (docs/operations/backup.md)
Tear it down with: tests/testbed/testbed down --dir $TB
MSG
