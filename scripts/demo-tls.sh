#!/usr/bin/env bash
# Writes TLS manifests for the demos, with a self-signed certificate made here with openssl
# (P-256, valid 30 days):
#
#   bash scripts/demo-tls.sh DIR
#       DIR/secure.yaml: a kubernetes.io/tls Secret for secure.shop.example.com and an Ingress of
#       group shop that serves it on HTTPS (the Ingress demos)
#   bash scripts/demo-tls.sh DIR NAMESPACE/NAME HOSTNAME
#       DIR/NAME.yaml: only a kubernetes.io/tls Secret NAMESPACE/NAME whose certificate is for
#       HOSTNAME (which may be a wildcard, *.example.com)
set -euo pipefail
dir="${1:?usage: $0 DIR [NAMESPACE/NAME HOSTNAME]}"

# Prints a kubernetes.io/tls Secret $1 in namespace $2 with a new certificate for host $3.
tls_secret() {
  local name="$1" namespace="$2" host="$3"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host" -keyout "$dir/$name.key" -out "$dir/$name.crt" 2>/dev/null
  cat <<YAML
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: $name, namespace: $namespace }
data:
  tls.crt: $(base64 -w0 < "$dir/$name.crt")
  tls.key: $(base64 -w0 < "$dir/$name.key")
YAML
}

if (($# >= 3)); then
  [[ $2 == */* ]] || { echo "usage: $0 DIR NAMESPACE/NAME HOSTNAME" >&2; exit 2; }
  tls_secret "${2#*/}" "${2%%/*}" "$3" > "$dir/${2#*/}.yaml"
  exit 0
fi

{
  tls_secret secure-tls shop secure.shop.example.com
  cat <<'YAML'
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: secure
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/group.name: shop
    alb.ingress.kubernetes.io/group.order: "30"
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP": 80}, {"HTTPS": 443}]'
spec:
  ingressClassName: albatross
  tls:
    - hosts: [secure.shop.example.com]
      secretName: secure-tls
  rules:
    - host: secure.shop.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
YAML
} > "$dir/secure.yaml"
