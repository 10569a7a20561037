#!/usr/bin/env bash
# Builds the real upstream programs the testbed runs, once per machine, into a cache outside the checkout:
#   $KFORGE_UPSTREAM_CACHE (default /var/cache/kforge-testbed)/bin/<program>-<version>
# from the pinned modules beside this script (go.mod + go.sum; `go build -mod=readonly` verifies every module
# against go.sum). A program whose binary exists with a stamp matching its module's go.sum and the Go version
# is reused. One progress line per program with its build time. Used by scripts/test.sh and scripts/demo.sh.
#   build.sh            every pinned module
#   build.sh --list     the programs and versions it would provide
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${KFORGE_UPSTREAM_CACHE:-/var/cache/kforge-testbed}
mkdir -p "$cache/bin" "$cache/go-build"
export GOCACHE=${GOCACHE:-$cache/go-build} GOFLAGS=-mod=readonly CGO_ENABLED=0
# Bounded parallelism: a 2-core machine links kube-apiserver in ~3 GB; two links at once are fine in 24 GiB.
export GOMAXPROCS=${GOMAXPROCS:-$(nproc)}
command -v go >/dev/null || { echo "build.sh: Go is needed to build the testbed's upstream programs (go 1.26)" >&2; exit 1; }
gover=$(go env GOVERSION)

programs() { # module dir -> "program package" lines
  case $1 in
    kubernetes-*) for p in kube-apiserver kube-controller-manager kube-scheduler kubeadm kubectl; do echo "$p k8s.io/kubernetes/cmd/$p"; done;;
    etcd-*) echo "etcd go.etcd.io/etcd/server/v3"; echo "etcdctl go.etcd.io/etcd/etcdctl/v3"; echo "etcdutl go.etcd.io/etcd/etcdutl/v3";;
  esac
}

ldflags() { # module dir -> -ldflags value (what the releases' own build sets, so versions read right)
  local d=$1 v=${1#*-}
  case $d in
    kubernetes-*)
      local mm=${v#v} major minor
      major=${mm%%.*}; minor=${mm#*.}; minor=${minor%%.*}
      local f=()
      for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        f+=("-X $pkg.gitVersion=$v" "-X $pkg.gitMajor=$major" "-X $pkg.gitMinor=$minor"
            "-X $pkg.gitTreeState=clean" "-X $pkg.buildDate=1970-01-01T00:00:00Z" "-X $pkg.gitCommit=kforge-testbed-$v")
      done
      echo "-s -w ${f[*]}";;
    etcd-*) echo "-s -w";;
  esac
}

if [[ ${1:-} == --list ]]; then
  for d in "$here"/*/; do d=$(basename "$d"); programs "$d" | while read -r p _; do echo "$p ${d#*-} $cache/bin/$p-${d#*-}"; done; done
  exit 0
fi

total_start=$SECONDS
for d in "$here"/*/; do
  d=$(basename "$d")
  [[ -f $here/$d/go.mod ]] || continue
  # The stamp hashes the pins' CONTENT (not their path: a clean clone elsewhere reuses the same binaries).
  stamp="$(cat "$here/$d/go.mod" "$here/$d/go.sum" | sha256sum | cut -c1-16) $gover"
  ver=${d#*-}
  while read -r prog pkg; do
    out=$cache/bin/$prog-$ver
    if [[ -x $out && -f $out.stamp && $(cat "$out.stamp") == "$stamp" ]]; then
      echo "upstream: $prog $ver: cached ($out)"
      continue
    fi
    t0=$SECONDS
    echo "upstream: $prog $ver: building (first time on this machine)..."
    (cd "$here/$d" && go build -trimpath -ldflags "$(ldflags "$d")" -o "$out.tmp" "$pkg")
    mv -f "$out.tmp" "$out"
    echo "$stamp" > "$out.stamp"
    echo "upstream: $prog $ver: built in $((SECONDS - t0)) s ($(du -h "$out" | cut -f1))"
  done < <(programs "$d")
done
echo "upstream: all programs ready in $((SECONDS - total_start)) s; cache $(du -sh "$cache" | cut -f1) at $cache"
