#!/usr/bin/env bash
# The peer for bench/pki: the same PKI as kforge_bench_pki (3 control planes + 3 external etcd + 100 workers,
# ~140 certificates, kubeconfigs with embedded credentials) made the usual way, with the openssl CLI, one
# certificate after the other. Usage: openssl-cli.sh rsa-2048|ecdsa-p256 OUTDIR
set -euo pipefail
ALG=${1:?algorithm}
OUT=${2:?output dir}
rm -rf "$OUT"
mkdir -p "$OUT/pki/etcd"
case "$ALG" in
  rsa-2048) KEYOPT=(-algorithm RSA -pkeyopt rsa_keygen_bits:2048) ;;
  ecdsa-p256) KEYOPT=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
  *) echo "unknown algorithm $ALG" >&2; exit 2 ;;
esac

genkey() { # path
  openssl genpkey "${KEYOPT[@]}" -out "$1.pkcs8" 2>/dev/null
  openssl pkey -in "$1.pkcs8" -traditional -out "$1" 2>/dev/null  # PKCS#1 / SEC1 like kubeadm
  rm -f "$1.pkcs8"
  chmod 600 "$1"
}

ca() { # base cn
  genkey "$OUT/pki/$1.key"
  openssl req -x509 -new -key "$OUT/pki/$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$OUT/pki/$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
    -addext "subjectAltName=DNS:$2" 2>/dev/null
}

leaf() { # dir base ca subject eku [san]
  local dir=$1 base=$2 caBase=$3 subj=$4 eku=$5 san=${6:-}
  mkdir -p "$(dirname "$dir/$base")"
  genkey "$dir/$base.key"
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid:always"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -key "$dir/$base.key" -subj "$subj" 2>/dev/null |
    openssl x509 -req -CA "$OUT/pki/$caBase.crt" -CAkey "$OUT/pki/$caBase.key" -CAcreateserial -days 365 -sha256 \
      -extfile "$ext" -out "$dir/$base.crt" 2>/dev/null
  rm -f "$ext"
}

kubeconfig() { # dir file subject server user
  local dir=$1 file=$2 subj=$3 server=$4 user=$5 tmp
  tmp=$(mktemp -d)
  leaf "$tmp" client ca "$subj" clientAuth
  cat >"$dir/$file" <<KC
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(base64 -w0 <"$OUT/pki/ca.crt")
    server: $server
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: $user
  name: $user@kubernetes
current-context: $user@kubernetes
kind: Config
preferences: {}
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$tmp/client.crt")
    client-key-data: $(base64 -w0 <"$tmp/client.key")
KC
  chmod 600 "$dir/$file"
  rm -rf "$tmp"
}

ca ca kubernetes
ca front-proxy-ca front-proxy-ca
ca etcd/ca etcd-ca
genkey "$OUT/pki/sa.key"
openssl pkey -in "$OUT/pki/sa.key" -pubout -out "$OUT/pki/sa.pub" 2>/dev/null

EP=https://10.0.0.10:6443
for i in 1 2 3; do
  h=etcd$i ip=10.0.1.$((i + 1)) d=$OUT/hosts/etcd$i/pki
  mkdir -p "$d"
  for b in server peer; do
    leaf "$d" etcd/$b etcd/ca "/CN=$h" serverAuth,clientAuth "DNS:$h,DNS:localhost,IP:$ip,IP:127.0.0.1,IP:::1"
  done
  leaf "$d" etcd/healthcheck-client etcd/ca "/CN=kube-etcd-healthcheck-client" clientAuth
done
for i in 1 2 3; do
  h=cp$i ip=10.0.2.$((i + 1)) d=$OUT/hosts/cp$i
  mkdir -p "$d/pki"
  leaf "$d/pki" apiserver ca "/CN=kube-apiserver" serverAuth \
    "DNS:$h,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1,IP:$ip,IP:10.0.0.10"
  leaf "$d/pki" apiserver-kubelet-client ca "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client" clientAuth
  leaf "$d/pki" front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
  leaf "$d/pki" apiserver-etcd-client etcd/ca "/CN=kube-apiserver-etcd-client" clientAuth
  kubeconfig "$d" admin.conf "/O=kubeadm:cluster-admins/CN=kubernetes-admin" $EP kubernetes-admin
  [[ $i == 1 ]] && kubeconfig "$d" super-admin.conf "/O=system:masters/CN=kubernetes-super-admin" $EP kubernetes-super-admin
  kubeconfig "$d" kubelet.conf "/O=system:nodes/CN=system:node:$h" $EP "system:node:$h"
  kubeconfig "$d" controller-manager.conf "/CN=system:kube-controller-manager" "https://$ip:6443" system:kube-controller-manager
  kubeconfig "$d" scheduler.conf "/CN=system:kube-scheduler" "https://$ip:6443" system:kube-scheduler
done
for i in $(seq 1 100); do
  d=$OUT/hosts/w$i
  mkdir -p "$d"
  kubeconfig "$d" kubelet.conf "/O=system:nodes/CN=system:node:w$i" $EP "system:node:w$i"
done
kubeconfig "$OUT" admin.conf "/O=kubeadm:cluster-admins/CN=kubernetes-admin" $EP kubernetes-admin
sync -f "$OUT"
