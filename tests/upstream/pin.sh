#!/usr/bin/env bash
# Regenerates the pinned Go modules under tests/upstream/ (run by a developer when a pin changes, never by CI).
#   pin.sh kubernetes v1.37.2    ->  kubernetes-v1.37.2/{go.mod,go.sum,tools.go}
#   pin.sh etcd v3.6.8           ->  etcd-v3.6.8/{go.mod,go.sum,tools.go}
# No upstream code is copied: go.mod requires the released module, and k8s.io/kubernetes's staging
# modules (its own go.mod replaces them with ./staging/...) are replaced by their published v0.X.Y
# twins, as every project that builds k8s.io/kubernetes as a module does. go.sum pins every module.
set -euo pipefail
cd "$(dirname "$0")"
kind=$1 ver=$2
dir=$kind-$ver
mkdir -p "$dir"
cd "$dir"
rm -f go.mod go.sum
case $kind in
  kubernetes)
    go mod init kforge.dev/testbed/upstream/$dir >/dev/null 2>&1
    go mod edit -require=k8s.io/kubernetes@$ver
    mod=$(go env GOMODCACHE)/k8s.io/kubernetes@$ver
    [[ -d $mod ]] || go mod download k8s.io/kubernetes@$ver
    staging=v0.${ver#v1.}
    # every staging module k8s.io/kubernetes replaces with ./staging/src/k8s.io/X
    for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$mod/go.mod"); do
      go mod edit -replace=$m=$m@$staging
    done
    progs=(kube-apiserver kube-controller-manager kube-scheduler kubeadm kubectl)
    pkgs=(); for p in "${progs[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$p"); done
    ;;
  etcd)
    go mod init kforge.dev/testbed/upstream/$dir >/dev/null 2>&1
    major=v3
    pkgs=(go.etcd.io/etcd/server/$major go.etcd.io/etcd/etcdctl/$major go.etcd.io/etcd/etcdutl/$major)
    for p in "${pkgs[@]}"; do go mod edit -require=$p@$ver; done
    ;;
  *) echo "pin.sh: kind is kubernetes or etcd" >&2; exit 2;;
esac
# tool directives keep each program's whole dependency graph in go.mod/go.sum
for p in "${pkgs[@]}"; do go mod edit -tool=$p; done
go mod tidy
echo "pinned $dir: $(grep -c . go.sum) go.sum lines"
