#!/usr/bin/env bash
# Fan-out benchmark: the same work — upload 10 files (100 KiB each, fresh random content) into a fresh remote
# directory and run 3 commands — on 1, 10 and 30 testbed hosts, done by kforge's fleet executor
# (kforge_bench_fanout), by parallel-scp + parallel-ssh (-p 30) and by ansible-playbook (forks 30, pipelining,
# ControlPersist), in one run, alternating. Connecting is part of the measured work for every tool. Prints a Markdown table
# (docs/benchmarks.md, section "Fan-out over SSH").
# Usage: bench/fanout/run.sh [build-dir]     (as root: the testbed needs it; installs ansible-core and pssh)
#   HOSTS="1 10 30" KFORGE_RUNS=3 override the host counts and the number of kforge runs per count.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
HOSTS=${HOSTS:-"1 10 30"}
KFORGE_RUNS=${KFORGE_RUNS:-3}
TB_DIR=/tmp/kforge-bench-fanout  # this bench's own testbed directory and network (other work uses others)
TB_NET=127.0.60
TESTBED=$ROOT/tests/testbed/testbed
[[ $(id -u) -eq 0 ]] || { echo "run.sh must run as root (testbed, apt-get)" >&2; exit 1; }

need=()
command -v ansible-playbook >/dev/null || need+=(ansible-core)
[[ -x /usr/bin/parallel-ssh && -x /usr/bin/parallel-scp ]] || need+=(pssh)
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target kforge_bench_fanout >/dev/null
BENCH=$BUILD/bench/fanout/kforge_bench_fanout

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kforge-bench-fanout-work.XXXXXX")
cleanup() {
  # ansible's ControlPersist masters, then the testbed.
  local s
  for s in "$WORK"/cp-*/*; do [[ -S $s ]] && ssh -o ControlPath="$s" -O exit dummy >/dev/null 2>&1 || true; done
  "$TESTBED" down --dir "$TB_DIR" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# 10 files of 100 KiB of fresh random content (and every run writes into a directory that does not exist yet, so
# no tool can skip a file that is already there: kforge skips files whose sha256 matches, ansible's copy too).
mkdir -p "$WORK/files"
for i in $(seq -w 1 10); do head -c 102400 /dev/urandom >"$WORK/files/file$i.bin"; done

fresh_dest() { echo "/root/kforge-bench-fanout/$1-$(date +%s%N)"; }  # /root is private to each testbed host
measure() { # command... -> wall seconds; the command's output goes to $WORK/out.log; fails when it fails
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$WORK/out.log" 2>&1 || { echo "FAILED: $*" >&2; tail -20 "$WORK/out.log" >&2; return 1; }
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b - a) / 1e9}'
}
# CPU time (ms) used on the host side so far: every testbed sshd listener plus its reaped children (the
# per-connection sshd processes and everything they ran). Hosts share this machine's cores.
sshd_cpu_ms() {
  local t=0 p a
  for p in $(pgrep -f "sshd -f $TB_DIR/hosts/.*listener" || true); do
    read -r -a a <"/proc/$p/stat" || continue
    t=$((t + a[13] + a[14] + a[15] + a[16]))
  done
  echo $((t * 1000 / $(getconf CLK_TCK)))
}

# The same 3 commands for every tool (kforge_bench_fanout runs these; $1 = the upload directory).
cmd1() { echo "sha256sum -- $1/*"; }
CMD2="uname -r"
CMD3="cat /proc/loadavg"

kforge() {
  "$BENCH" --hosts "$WORK/hosts.txt" --key "$TB_DIR/id_ed25519" --known-hosts "$TB_DIR/known_hosts" \
    --files "$WORK/files" --dest "$(fresh_dest kforge)" --concurrency 30
}
PSSH_OPTS=(-p 30 -l root -t 120 -O StrictHostKeyChecking=yes -O "UserKnownHostsFile=$TB_DIR/known_hosts"
           -O "IdentityFile=$TB_DIR/id_ed25519" -O IdentitiesOnly=yes -O BatchMode=yes -O GSSAPIAuthentication=no)
pssh_all() {  # parallel-scp -r creates the fresh directory; then one parallel-ssh per command
  local dest; dest=$(fresh_dest pssh)
  parallel-scp "${PSSH_OPTS[@]}" -h "$WORK/pssh-hosts.txt" -r "$WORK/files" "$dest" &&
    parallel-ssh "${PSSH_OPTS[@]}" -h "$WORK/pssh-hosts.txt" "$(cmd1 "$dest")" &&
    parallel-ssh "${PSSH_OPTS[@]}" -h "$WORK/pssh-hosts.txt" "$CMD2" &&
    parallel-ssh "${PSSH_OPTS[@]}" -h "$WORK/pssh-hosts.txt" "$CMD3"
}
ansible_all() {  # a control-path directory of its own: no master from an earlier run may be reused
  local n=$1 dest; dest=$(fresh_dest ansible)
  ANSIBLE_CONFIG=$ROOT/bench/fanout/ansible.cfg ANSIBLE_SSH_CONTROL_PATH_DIR=$WORK/cp-$n \
    ansible-playbook -i "$WORK/ansible-hosts.ini" "$ROOT/bench/fanout/playbook.yml" \
    -e "files_dir=$WORK/files" -e "dest=$dest"
}

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

declare -A KF KFMIN KFMAX PS AN CPU
for n in $HOSTS; do
  "$TESTBED" up "$n" --dir "$TB_DIR" --net "$TB_NET" >/dev/null
  sed -n 's/.*name: \(tb[0-9]*\), address: \([0-9.]*\).*/\1 \2/p' "$TB_DIR/inventory.yaml" >"$WORK/hosts.txt"
  awk '{print $2}' "$WORK/hosts.txt" >"$WORK/pssh-hosts.txt"
  {
    echo "[bench]"
    awk '{print $1, "ansible_host=" $2}' "$WORK/hosts.txt"
    echo "[bench:vars]"
    echo "ansible_user=root"
    echo "ansible_ssh_private_key_file=$TB_DIR/id_ed25519"
    echo "ansible_ssh_common_args='-o UserKnownHostsFile=$TB_DIR/known_hosts'"
  } >"$WORK/ansible-hosts.ini"
  [[ $(wc -l <"$WORK/hosts.txt") -eq $n ]] || { echo "testbed: expected $n hosts" >&2; exit 1; }

  # Alternating, so load from other work on the machine hits every tool alike: kforge, pssh, kforge, pssh,
  # ansible, kforge, pssh. kforge and parallel-ssh: median of KFORGE_RUNS; ansible once (minutes at 30 hosts).
  times=() cpus=() ptimes=()
  for ((k = 1; k <= KFORGE_RUNS; k++)); do
    c0=$(sshd_cpu_ms)
    times+=("$(measure kforge)")
    grep -q 'ok=1$' "$WORK/out.log" || { echo "kforge run failed" >&2; cat "$WORK/out.log" >&2; exit 1; }
    sleep 0.5  # let the per-connection sshds exit, so the listeners have reaped their CPU time
    cpus+=($(($(sshd_cpu_ms) - c0)))
    sed 's/^/    kforge: /' "$WORK/out.log" >&2
    ptimes+=("$(measure pssh_all)")
    if ((k == 2)); then AN[$n]=$(measure ansible_all "$n"); fi
  done
  [[ -n ${AN[$n]:-} ]] || AN[$n]=$(measure ansible_all "$n")
  PS[$n]=$(printf '%s\n' "${ptimes[@]}" | median)
  KF[$n]=$(printf '%s\n' "${times[@]}" | median)
  KFMIN[$n]=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
  KFMAX[$n]=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
  CPU[$n]=$(printf '%s\n' "${cpus[@]}" | median)
  echo "hosts=$n kforge=${times[*]} (host-side cpu ms ${cpus[*]}) pssh=${ptimes[*]} ansible=${AN[$n]} load=$(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$TESTBED" down --dir "$TB_DIR" >/dev/null
done

echo "| hosts | kforge (s) | parallel-ssh (s) | ansible (s) | pssh/kforge | ansible/kforge |"
echo "|---|---|---|---|---|---|"
for n in $HOSTS; do
  awk -v n="$n" -v k="${KF[$n]}" -v p="${PS[$n]}" -v a="${AN[$n]}" \
    'BEGIN {printf "| %d | %.2f | %.2f | %.2f | %.1fx | %.1fx |\n", n, k, p, a, p/k, a/k}'
done
echo
echo "kforge and parallel-ssh: median of $KFORGE_RUNS runs each, ansible: one run. kforge range: $(for n in $HOSTS; do printf '%s hosts %.2f-%.2f s; ' "$n" "${KFMIN[$n]}" "${KFMAX[$n]}"; done | sed 's/; $//')."
first=${HOSTS%% *} last=${HOSTS##* }
awk -v f="$first" -v l="$last" -v kf="${KF[$first]}" -v kl="${KF[$last]}" \
  'BEGIN {printf "kforge %d-host / %d-host: %.1fx\n", l, f, kl/kf}'
for n in $HOSTS; do
  awk -v n="$n" -v c="${CPU[$n]}" -v k="${KF[$n]}" -v cores="$(nproc)" \
    'BEGIN {printf "host side of a kforge run at %d hosts (all sshds and the commands they ran, on the same %d cores): %.2f s CPU = %.0f ms per host; alone it needs >= %.2f s of wall time (kforge wall %.2f s)\n", n, cores, c/1000, c/n, c/1000/cores, k}'
done
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(ssh -V 2>&1 | cut -d, -f1), $(ansible-playbook --version | head -1), parallel-ssh $(parallel-ssh --version 2>&1)."
