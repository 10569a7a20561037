#!/usr/bin/env bash
# etcd snapshot benchmark: `kforge backup` against Debian's `etcdctl snapshot save` (etcd-client 3.4) on the same
# ~1 GiB database, alternating (kforge, etcdctl, kforge, ...) in one run. Prints a Markdown table
# (docs/benchmarks.md, section "etcd snapshot").
#
# Builds kforge and kforge_bench_fill, starts a 1-host testbed (tests/testbed/testbed, run as root), builds a
# single-node cluster there with `kforge apply` (real etcd 3.4, mutual TLS), fills etcd with random 100 KiB
# values to the target size, then measures each tool with /usr/bin/time -v (wall clock, maximum RSS).
#
# Usage: bench/snapshot/run.sh [build-dir]
#   env: SNAP_DIR (default /tmp/kforge-bench-snap)  testbed dir; inventory, state and snapshots live under it
#        SNAP_NET (default 127.0.61)                 testbed network (127.0.0.0/8 only)
#        TARGET_MIB (default 1100)                   database size to fill to (etcd's own dbSize)
#        RUNS (default 3)                            runs per tool
#        KEEP=1                                      leave the testbed up at the end (default: testbed down)
#        REUSE=1                                     reuse a testbed left up by KEEP=1 (no up/apply/fill)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
D=${SNAP_DIR:-/tmp/kforge-bench-snap}
NET=${SNAP_NET:-127.0.61}
TARGET_MIB=${TARGET_MIB:-1100}
RUNS=${RUNS:-3}
TESTBED=$ROOT/tests/testbed/testbed
[[ -x /usr/bin/time ]] || { echo "run.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v etcdctl >/dev/null || { echo "run.sh needs etcdctl (apt-get install etcd-client)" >&2; exit 1; }
[[ $NET == 127.* ]] || { echo "SNAP_NET must be in 127.0.0.0/8" >&2; exit 1; }

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target kforge kforge_bench_fill >/dev/null
KFORGE=$(realpath "$BUILD/cli/kforge")
FILL=$(realpath "$BUILD/bench/snapshot/kforge_bench_fill")

# Disk: etcd's data dir (bolt db + WAL) and one snapshot at a time, all under $D.
mkdir -p "$D"
avail_kb=$(df -Pk "$D" | awk 'NR==2 {print $4}')
need_kb=$(( (TARGET_MIB * 3 + 512) * 1024 ))
if ((avail_kb < need_kb)); then
  echo "run.sh: $(df -h "$D" | awk 'NR==2 {print $4}') free under $D, need ~$((need_kb / 1024 / 1024)) GiB" >&2
  exit 1
fi

cleanup() { [[ ${KEEP:-0} == 1 ]] || "$TESTBED" down --dir "$D" >/dev/null 2>&1 || true; }
trap cleanup EXIT

INV=$D/inventory.yaml
if [[ ${REUSE:-0} != 1 ]]; then
  "$TESTBED" up 1 --dir "$D" --net "$NET" >/dev/null
  "$KFORGE" apply -f "$INV" --yes >"$D/apply.log" 2>&1 || { tail -30 "$D/apply.log" >&2; exit 1; }
fi
ADDR=$(awk '/address:/ {sub(/.*address: */, ""); sub(/[},].*/, ""); print; exit}' "$INV")
CLUSTER=$(awk '/^metadata:/ {sub(/.*name: */, ""); sub(/[},].*/, ""); print; exit}' "$INV")
HOST=$(awk '/name: tb/ {sub(/.*name: */, ""); sub(/[,}].*/, ""); print; exit}' "$INV")
PKI=$D/.kforge/$CLUSTER/pki/etcd
HPKI=$D/.kforge/$CLUSTER/hosts/$HOST/pki/etcd
TLS=(--cacert "$PKI/ca.crt" --cert "$HPKI/healthcheck-client.crt" --key "$HPKI/healthcheck-client.key")
for f in "$PKI/ca.crt" "$HPKI/healthcheck-client.crt" "$HPKI/healthcheck-client.key"; do
  [[ -f $f ]] || { echo "run.sh: $f missing (did kforge apply succeed? $D/apply.log)" >&2; exit 1; }
done
export ETCDCTL_API=3
ECTL=(etcdctl --endpoints "https://$ADDR:2379" "${TLS[@]}")

if [[ ${REUSE:-0} != 1 ]]; then
  "$FILL" --endpoint "$ADDR:2379" "${TLS[@]}" --target-mib "$TARGET_MIB" --value-kib 100 --parallel 4 >"$D/fill.log"
fi
"${ECTL[@]}" endpoint status -w table >"$D/status.txt"

W=$D/work
rm -rf "$W"; mkdir -p "$W"
measure() { # command... -> "wall_s rss_kb"; the command's output goes to $W/out.log
  local log=$W/time.log
  /usr/bin/time -v "$@" >"$W/out.log" 2>"$log" || { cat "$W/out.log" "$log" >&2; return 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  echo "$wall $rss"
}

declare -a KW KR EW ER KD KH
for ((r = 1; r <= RUNS; r++)); do
  sync
  read -r w k < <(measure "$KFORGE" backup -f "$INV" --dir "$W/kf" -o json)
  f=$(ls "$W"/kf/*.db); size=$(stat -c %s "$f")
  KW+=("$w"); KR+=("$k"); KSIZE=$size
  KD+=("$(awk -F': ' '/"durationSeconds"/ {gsub(/,/, "", $2); print $2}' "$W/out.log")")
  # What kforge's read-back pass costs on its own: hashing the file it just wrote (page cache, like kforge's).
  t0=$(date +%s.%N); openssl dgst -sha256 "$f" >/dev/null; t1=$(date +%s.%N)
  KH+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
  rm -rf "$W/kf"
  sync
  read -r w e < <(measure "${ECTL[@]}" snapshot save "$W/etcdctl.db")
  ESIZE=$(stat -c %s "$W/etcdctl.db")
  EW+=("$w"); ER+=("$e")
  rm -f "$W/etcdctl.db"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "| tool | run | wall (s) | MB/s | peak RSS (MiB) |"
echo "|---|---|---|---|---|"
for ((i = 0; i < RUNS; i++)); do
  awk -v r=$((i + 1)) -v w="${KW[i]}" -v k="${KR[i]}" -v s="$KSIZE" \
    'BEGIN {printf "| kforge backup | %d | %.2f | %.0f | %.1f |\n", r, w, s / w / 1e6, k / 1024}'
  awk -v r=$((i + 1)) -v w="${EW[i]}" -v k="${ER[i]}" -v s="$ESIZE" \
    'BEGIN {printf "| etcdctl snapshot save | %d | %.2f | %.0f | %.1f |\n", r, w, s / w / 1e6, k / 1024}'
done
echo
mkw=$(median "${KW[@]}"); mew=$(median "${EW[@]}"); mkr=$(median "${KR[@]}"); mer=$(median "${ER[@]}")
mkd=$(median "${KD[@]}"); mkh=$(median "${KH[@]}")
awk -v kw="$mkw" -v ew="$mew" -v kr="$mkr" -v er="$mer" -v ks="$KSIZE" -v es="$ESIZE" -v kd="$mkd" -v kh="$mkh" 'BEGIN {
  printf "Medians: kforge %.2f s = %.0f MB/s, peak %.1f MiB; etcdctl %.2f s = %.0f MB/s, peak %.1f MiB; etcdctl/kforge wall = %.2fx.\n", kw, ks / kw / 1e6, kr / 1024, ew, es / ew / 1e6, er / 1024, ew / kw
  printf "kforge takeBackup durationSeconds (open .part -> stream with hash check + read-back by a trailing thread -> fsync -> last read-back block -> rename) median %.2f s; the rest of its wall time is process start, inventory, TLS setup, status/health/member list. openssl dgst -sha256 of the written file (one extra hash pass, what a read-back after the stream would add) median %.2f s.\n", kd, kh
}'
echo "Snapshot file: kforge $KSIZE bytes, etcdctl $ESIZE bytes ($(awk -v s="$ESIZE" 'BEGIN {printf "%.2f GiB", s / 2^30}')); fill: $(cat "$D/fill.log")."
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(etcdctl version | head -1), $(uname -r)."
