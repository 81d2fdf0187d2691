#!/usr/bin/env bash
# Checks deploy/compose/ and deploy/helm/callfloor/ with the real tools, as far as a machine
# without a container registry or a Kubernetes cluster allows:
#   1. podman-compose --dry-run up: the file parses, the variables resolve, the commands podman
#      would run (printed for callfloor and migrate); the volumes and network it makes are removed
#   2. helm lint and helm template (Helm v4 built by `go install helm.sh/helm/v4/cmd/helm@VERSION`
#      into .run/tools: go.mod is not touched), with values.yaml and with an existing Secret
#   3. the configuration in compose/callfloor.yaml and the one the chart renders pass
#      `callfloor check-config -offline` (the binary of this checkout)
# Not run here (no registry, no cluster): the Redis, PostgreSQL and Asterisk images, `podman-compose
# up`, `helm install`.
#
#   deploy/compose-helm-verify.sh
# Tools: podman-compose (deploy/dev-services.sh apt-install podman podman-compose), Go.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
helm_version=${CALLFLOOR_HELM_VERSION:-v4.3.2}
tools=$here/.run/tools
work=$here/.run/compose-helm-verify
rm -rf "$work"
mkdir -p "$tools" "$work"
log() { printf '\ncompose-helm-verify: %s\n' "$*" >&2; }
die() { printf 'compose-helm-verify: FAILED: %s\n' "$*" >&2; exit 1; }

go build -o "$tools/callfloor" ./cmd/callfloor

log "1. podman-compose --dry-run up (deploy/compose/compose.yaml)"
command -v podman-compose >/dev/null || die "podman-compose missing: deploy/dev-services.sh apt-install podman podman-compose"
project=callfloor-verify-$$
(
  cd deploy/compose
  POSTGRES_PASSWORD=pw CALLFLOOR_ARI_PASSWORD=ari ASTERISK_IMAGE=example.invalid/asterisk:22 \
    podman-compose -p "$project" --dry-run up -d >"$work/compose.txt" 2>&1
) || { cat "$work/compose.txt" >&2; die "podman-compose refused the file"; }
# podman-compose 1.0.3's dry run still creates the project's volumes and network: remove them
podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm >/dev/null
podman network ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman network rm >/dev/null
for svc in postgres redis asterisk migrate callfloor; do
  grep -q "podman run --name=${project}_${svc}_1" "$work/compose.txt" || die "no container for $svc in the dry run"
done
grep -o "podman run --name=${project}_\(migrate\|callfloor\)_1.*" "$work/compose.txt" |
  sed -e 's/--label [^ ]* //g' -e 's/^/  | /'
echo "  ok: the five services in order: $(grep -o "podman run --name=${project}_[a-z]*_1" "$work/compose.txt" | sed "s/.*${project}_//; s/_1$//" | tr '\n' ' ')"
# without the required variables compose should refuse, naming them (${VAR:?message})
if (cd deploy/compose && env -u POSTGRES_PASSWORD podman-compose -p "$project" --dry-run up -d >"$work/compose-noenv.txt" 2>&1); then
  echo "  note: this podman-compose ($(podman-compose version 2>/dev/null | grep -o 'podman-compose version [0-9.]*' | head -1)) went on without POSTGRES_PASSWORD (it does not enforce \${VAR:?})"
else
  echo "  ok: without POSTGRES_PASSWORD it stops: $(grep -m1 POSTGRES_PASSWORD "$work/compose-noenv.txt" | cut -c1-160)"
fi
podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm >/dev/null
podman network ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman network rm >/dev/null

log "2. helm $helm_version lint and template (deploy/helm/callfloor)"
if ! "$tools/helm" version 2>/dev/null | grep -q "$helm_version"; then
  GOBIN=$tools go install "helm.sh/helm/v4/cmd/helm@$helm_version"
fi
"$tools/helm" version
"$tools/helm" lint --strict deploy/helm/callfloor
"$tools/helm" template prod deploy/helm/callfloor --namespace callfloor >"$work/chart.yaml"
grep '^kind:' "$work/chart.yaml" | sort | uniq -c | sed 's/^/  | /'
"$tools/helm" template prod deploy/helm/callfloor --set existingSecret=callfloor-secrets --set acd.persistence.enabled=false >"$work/chart-existing.yaml"
grep -q '^kind: Secret' "$work/chart-existing.yaml" && die "a Secret is rendered although existingSecret is set"
echo "  ok: with existingSecret no Secret is rendered"

log "3. check-config -offline of both configurations"
CALLFLOOR_ARI_PASSWORD=ari CALLFLOOR_DATABASE_URL=postgres://callfloor@postgres/callfloor \
  "$tools/callfloor" check-config -offline -config deploy/compose/callfloor.yaml
python3 - "$work/chart.yaml" "$work/chart-config.yaml" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "ConfigMap":
        open(sys.argv[2], "w").write(doc["data"]["callfloor.yaml"])
        break
else:
    sys.exit("no ConfigMap rendered")
PY
sed 's/^/  | /' "$work/chart-config.yaml"
CALLFLOOR_ARI_PASSWORD=ari CALLFLOOR_DATABASE_URL=postgres://callfloor@postgresql/callfloor CALLFLOOR_REDIS_URL=redis://redis:6379/0 \
  "$tools/callfloor" check-config -offline -config "$work/chart-config.yaml"
log "verified: compose (dry run), the chart (lint --strict, template), both configurations"
