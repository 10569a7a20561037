#!/usr/bin/env bash
# Upgrade benchmark: `kforge upgrade apply` (in-place) of 3 stacked control planes + 10 workers from the oldest to
# the newest pinned release (tests/upstream/releases) on the testbed (real etcd, API server, controller-manager,
# scheduler, kubectl, kubeadm of both releases; the kubelet stand-in), then the kubeadm way on an identical second
# cluster built by kforge on the same testbed network after the first is gone:
#   `kubeadm upgrade apply` on the first control plane, `kubeadm upgrade node` on the others, and per node (control
#   planes first, then each worker, one at a time) `kubectl drain`, `kubeadm upgrade node` (workers), the kubelet
#   package, a kubelet restart, the Node Ready at the new version, `kubectl uncordon` — the procedure of
#   kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade/.
# Prints a Markdown summary (docs/benchmarks.md, section "Upgrade"). Run as root. Takes ~20-40 min on 2 cores.
#
# Usage: bench/upgrade/run.sh [build-dir]
#   env: UPG_DIR (default /tmp/kforge-bench-upgrade)  testbed dirs (kforge/, kubeadm/) and logs live under it
#        UPG_NET (default 127.0.48)                   testbed network (127.0.0.0/8 only)
#        WORKERS (default 10)                         worker count (3 control planes always)
#        PEER=0                                       skip the kubeadm run
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
D=${UPG_DIR:-/tmp/kforge-bench-upgrade}
NET=${UPG_NET:-127.0.48}
WORKERS=${WORKERS:-10}
HOSTS=$((3 + WORKERS))
TESTBED=$ROOT/tests/testbed/testbed
[[ $NET == 127.* ]] || { echo "UPG_NET must be in 127.0.0.0/8" >&2; exit 1; }
FROM=$(awk '!/^#/ && NF {print $1}' tests/upstream/releases | head -n1)
TO=$(awk '!/^#/ && NF {print $1}' tests/upstream/releases | tail -n1)
CACHE=${KFORGE_UPSTREAM_CACHE:-/var/cache/kforge-testbed}
KUBECTL=$CACHE/bin/kubectl-$TO

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target kforge >/dev/null
KFORGE=$(realpath "$BUILD/cli/kforge")
mkdir -p "$D"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
cleanup() { "$TESTBED" down --dir "$D/kforge" >/dev/null 2>&1 || true; "$TESTBED" down --dir "$D/kubeadm" >/dev/null 2>&1 || true; }
trap cleanup EXIT

build_cluster() {  # dir: a fresh testbed with the cluster built by kforge at $FROM
  "$TESTBED" down --dir "$1" >/dev/null 2>&1 || true
  "$TESTBED" up "$HOSTS" --dir "$1" --net "$NET" >"$1.up.log" 2>&1 || { tail -20 "$1.up.log" >&2; exit 1; }
  local t0; t0=$(now)
  "$KFORGE" apply -f "$1/inventory.yaml" >"$1.apply.log" 2>&1 || { tail -30 "$1.apply.log" >&2; exit 1; }
  echo "apply of $HOSTS hosts: $(secs "$t0" "$(now)") s" >&2
}

# --- kforge ---------------------------------------------------------------------------------------------------------
K=$D/kforge
build_cluster "$K"
t0=$(now)
set +e
"$KFORGE" upgrade apply --yes -f "$K/inventory.yaml" --to "$TO" >"$D/kforge-upgrade.log" 2>&1
rc=$?
set -e
KWALL=$(secs "$t0" "$(now)")
[[ $rc == 0 ]] || { tail -40 "$D/kforge-upgrade.log" >&2; echo "kforge upgrade failed (exit $rc)" >&2; exit 1; }
REPORT=$(ls -t "$K"/.kforge/*/runs/*.json | head -n1)
cp "$REPORT" "$D/kforge-report.json"
python3 - "$REPORT" "$KWALL" >"$D/kforge-summary.md" <<'PY'
import json, sys, datetime
r = json.load(open(sys.argv[1])); wall = float(sys.argv[2])
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
a = r["attempts"][-1]
total = t(a["finishedAt"]) - t(a["startedAt"])
phases = {}
for s in a["steps"]:
    if s["end"]:
        phases.setdefault(s["phase"], [0, 0])
        phases[s["phase"]][0] += t(s["end"]) - t(s["start"]); phases[s["phase"]][1] += 1
print(f"| kforge upgrade apply | {wall:.1f} | {total:.1f} | {a['waitingSeconds']:.1f} | {total - a['waitingSeconds']:.1f} |")
print()
print("Steps per phase (sum of step times, count): " + ", ".join(f"{p} {v[0]:.1f} s ({v[1]})" for p, v in phases.items()))
for c in a["probe"]["channels"]:
    print(f"Probe {c['channel']}: {c['acknowledged']} of {c['attempted']} writes acknowledged, failed {c['failed']}, "
          f"lost {c['lost']}, longest gap {c['longestGapSeconds']:.2f} s, p50 {c['latencyP50Ms']:.0f} ms, p99 {c['latencyP99Ms']:.0f} ms")
PY
cat "$D/kforge-summary.md" >&2
"$TESTBED" down --dir "$K" >/dev/null

# --- the kubeadm way --------------------------------------------------------------------------------------------------
if [[ ${PEER:-1} != 0 ]]; then
  A=$D/kubeadm
  build_cluster "$A"
  KC=("$KUBECTL" --kubeconfig "$(ls -d "$A"/.kforge/*)/admin.conf")
  tbx() { "$TESTBED" exec --dir "$A" "$@"; }
  log=$D/kubeadm-upgrade.log; : >"$log"
  step() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1; }
  node_at() {  # node: wait until Ready at $TO (bounded)
    local i
    for ((i = 0; i < 600; i++)); do
      [[ $("${KC[@]}" get node "$1" -o 'jsonpath={.status.nodeInfo.kubeletVersion}/{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == "$TO/True" ]] && return 0
      sleep 0.5
    done
    echo "node $1 not Ready at $TO" >>"$log"; return 1
  }
  kubelet_cycle() {  # node [worker]: drain, (kubeadm upgrade node), kubelet package, restart, Ready, uncordon
    step "${KC[@]}" drain "$1" --ignore-daemonsets --delete-emptydir-data --timeout=300s
    if [[ ${2:-} == worker ]]; then step tbx "$1" "$CACHE/bin/kubeadm-$TO" upgrade node; fi
    step tbx "$1" kubelet-package install "$TO"
    step tbx "$1" sh -c 'systemctl daemon-reload && systemctl restart kubelet'
    node_at "$1"
    step "${KC[@]}" uncordon "$1"
  }
  t0=$(now)
  PEER_ERR=""
  if step tbx tb1 "$CACHE/bin/kubeadm-$TO" upgrade apply "$TO" --yes; then
    TAPPLY=$(now)
    kubelet_cycle tb1 || PEER_ERR="kubelet tb1"
    for n in tb2 tb3; do
      [[ -z $PEER_ERR ]] || break
      step tbx "$n" "$CACHE/bin/kubeadm-$TO" upgrade node || { PEER_ERR="kubeadm upgrade node on $n"; break; }
      kubelet_cycle "$n" || PEER_ERR="kubelet $n"
    done
    TCP=$(now)
    for ((i = 4; i <= HOSTS; i++)); do
      [[ -z $PEER_ERR ]] || break
      kubelet_cycle "tb$i" worker || PEER_ERR="worker tb$i"
    done
  else
    PEER_ERR="kubeadm upgrade apply on tb1"
  fi
  AWALL=$(secs "$t0" "$(now)")
  if [[ -z $PEER_ERR ]]; then
    echo "| kubeadm way | $AWALL | first control plane (kubeadm upgrade apply) $(secs "$t0" "$TAPPLY") s, all control planes with their kubelets $(secs "$t0" "$TCP") s, workers $(secs "$TCP" "$(now)") s |"
  else
    echo "kubeadm way FAILED at: $PEER_ERR after $AWALL s; last lines of $log:"
    tail -25 "$log"
  fi >"$D/kubeadm-summary.md"
  cat "$D/kubeadm-summary.md" >&2
fi

echo "| run | wall (s) | attempt in the report (s) | waiting for the cluster (s) | kforge's own work (s) |"
echo "|---|---|---|---|---|"
cat "$D/kforge-summary.md"
[[ ${PEER:-1} == 0 ]] || { echo; cat "$D/kubeadm-summary.md"; }
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r); $FROM -> $TO, 3 control planes + $WORKERS workers."
