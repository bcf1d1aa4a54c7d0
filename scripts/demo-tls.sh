#!/usr/bin/env bash
# Writes DIR/secure.yaml for the demos: a kubernetes.io/tls Secret with a certificate made here
# with openssl, and an Ingress of group shop that serves it on HTTPS.
#
#   bash scripts/demo-tls.sh DIR
set -euo pipefail
dir="${1:?usage: $0 DIR}"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=secure.shop.example.com \
  -addext subjectAltName=DNS:secure.shop.example.com -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
cat > "$dir/secure.yaml" <<YAML
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: secure-tls, namespace: shop }
data:
  tls.crt: $(base64 -w0 < "$dir/tls.crt")
  tls.key: $(base64 -w0 < "$dir/tls.key")
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
manifests=(-f examples/ -f "$dir/secure.yaml")
