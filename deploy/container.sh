#!/usr/bin/env bash
# callfloor's container image, FROM scratch (deploy/container/Containerfile), built offline with
# buildah (or podman): nothing is pulled from a registry.
#
#   deploy/container.sh build     # the image localhost/callfloor:<version> and :latest (default)
#   deploy/container.sh save      # build, then dist/callfloor_<version>_image.tar (OCI archive:
#                                 #   `podman load -i` it on a machine without the sources)
#   deploy/container.sh verify    # build, then run the image against this machine's Redis and
#                                 #   PostgreSQL: its user, files and time zones, migrate, the demo's
#                                 #   users and data, serve the demo, /healthz, /readyz, the login
#                                 #   page and a login; stops and cleans up what it made
#
# Tools: buildah or podman to build, podman (and runc on a cgroup v1/hybrid host) to verify:
#   deploy/dev-services.sh apt-install buildah podman runc
# verify runs the container with host networking, as root.
# Environment: CALLFLOOR_VERSION (default: from git, as deploy/package.sh), CALLFLOOR_IMAGE
# (default localhost/callfloor), for verify CALLFLOOR_VERIFY_REDIS_URL (default
# redis://127.0.0.1:6379/10, flushed at the end), CALLFLOOR_VERIFY_PG (default
# postgres://callfloor@127.0.0.1:5432; a database callfloor_image_verify is made and dropped),
# CALLFLOOR_PODMAN_OPTS (podman's global options, e.g. --runtime runc) and
# CALLFLOOR_CONTAINER_RUN_OPTS (extra `podman run` options).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-build}

log() { printf 'container: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ -z "${CALLFLOOR_VERSION:-}" ]; then
  CALLFLOOR_VERSION="0.0.0-git$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S).$(git rev-parse --short HEAD)"
fi
# an image tag has no ~ or +: the Debian version's ~ becomes -
tag=${CALLFLOOR_VERSION//[~+]/-}
image=${CALLFLOOR_IMAGE:-localhost/callfloor}
ctx=.run/container/context

stage() {
  rm -rf "$ctx"
  mkdir -p "$ctx/rootfs/usr/bin" "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/etc/callfloor" \
    "$ctx/rootfs/usr/share" "$ctx/rootfs/tmp" "$ctx/state"
  chmod 1777 "$ctx/rootfs/tmp"
  chmod 0750 "$ctx/state"
  local tags=()
  # zoneinfo and CA certificates from the build host (Debian: tzdata, ca-certificates); without
  # zoneinfo here the binary embeds Go's copy (-tags timetzdata) so time_zone still works
  if [ -d /usr/share/zoneinfo/Asia ]; then
    cp -a /usr/share/zoneinfo "$ctx/rootfs/usr/share/zoneinfo"
  else
    log "no /usr/share/zoneinfo on this host: embedding Go's time zone database (-tags timetzdata)"
    tags=(-tags timetzdata)
  fi
  [ -f /etc/ssl/certs/ca-certificates.crt ] || die "no /etc/ssl/certs/ca-certificates.crt (apt-get install ca-certificates)"
  cp -L /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
  CGO_ENABLED=0 GOOS=linux go build "${tags[@]}" -trimpath -ldflags '-s -w' -o "$ctx/rootfs/usr/bin/callfloor" ./cmd/callfloor
  # the package's example configuration, for `check-config` and as a starting point (mount yours over it)
  install -m 0644 deploy/package/callfloor.yaml "$ctx/rootfs/etc/callfloor/callfloor.yaml"
  cat >"$ctx/rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
callfloor:x:65532:65532:callfloor:/var/lib/callfloor:/sbin/nologin
PASSWD
  cat >"$ctx/rootfs/etc/group" <<'GROUP'
root:x:0:
callfloor:x:65532:
GROUP
  echo 'hosts: files dns' >"$ctx/rootfs/etc/nsswitch.conf"
  cp deploy/container/Containerfile "$ctx/Containerfile"
}

build() {
  stage
  local created
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local labels=(--label "org.opencontainers.image.version=$CALLFLOOR_VERSION"
    --label "org.opencontainers.image.revision=$(git rev-parse HEAD)"
    --label "org.opencontainers.image.created=$created")
  if command -v buildah >/dev/null; then
    buildah build --pull=false "${labels[@]}" -f "$ctx/Containerfile" -t "$image:$tag" -t "$image:latest" "$ctx"
  elif command -v podman >/dev/null; then
    podman build --pull=false "${labels[@]}" -f "$ctx/Containerfile" -t "$image:$tag" -t "$image:latest" "$ctx"
  else
    die "neither buildah nor podman: deploy/dev-services.sh apt-install buildah podman"
  fi
  log "built $image:$tag ($(podman image inspect --format '{{.Size}}' "$image:$tag" 2>/dev/null || echo '?') bytes)"
}

save() {
  build
  mkdir -p dist
  rm -f "dist/callfloor_${tag}_image.tar"
  podman save --format oci-archive -o "dist/callfloor_${tag}_image.tar" "$image:$tag"
  ls -l "dist/callfloor_${tag}_image.tar"
}

podman_opts=()
pm() { podman "${podman_opts[@]}" "$@"; }

# verify: every step prints what it checks; the first failure stops the script (set -e) after
# the cleanup below has removed the container, the database and the Redis keys.
verify() {
  command -v podman >/dev/null || die "podman is needed to run the image"
  build
  # globals: the EXIT trap's cleanup runs after this function has returned
  redis=${CALLFLOOR_VERIFY_REDIS_URL:-redis://127.0.0.1:6379/10}
  pg=${CALLFLOOR_VERIFY_PG:-postgres://callfloor@127.0.0.1:5432}
  db=callfloor_image_verify
  name=callfloor-image-verify-$$
  local dburl="$pg/$db?sslmode=disable"
  local run_opts=(--network host)
  podman_opts=()
  # Where /sys/fs/cgroup is cgroup v1 or hybrid (a tmpfs with cgroup2 under unified/, as in this
  # project's VMs), Debian 12's crun refuses to start a container ("cgroups in hybrid mode not
  # supported", even with --cgroups=disabled): runc with podman's cgroupfs manager does. The same
  # sandbox refuses setrlimit(RLIMIT_NPROC) even to its current value and podman's default
  # RLIMIT_NOFILE: both are given explicitly, NOFILE at this shell's hard limit.
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] && command -v runc >/dev/null; then
    podman_opts=(--runtime runc --cgroup-manager cgroupfs)
    run_opts+=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
    log "cgroup v1/hybrid host: podman ${podman_opts[*]}, run ${run_opts[*]}"
  fi
  # shellcheck disable=SC2206
  podman_opts+=(${CALLFLOOR_PODMAN_OPTS:-})
  # shellcheck disable=SC2206
  run_opts+=(${CALLFLOOR_CONTAINER_RUN_OPTS:-})
  local env=(-e "CALLFLOOR_REDIS_URL=$redis" -e "CALLFLOOR_DATABASE_URL=$dburl")
  for port in 8080 8088; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is in use on this machine: the demo in the image listens on 8080 (API) and 127.0.0.1:8088 (its simulated Asterisk) with host networking"
    fi
  done
  cleanup() {
    pm rm -f -v "$name" >/dev/null 2>&1 || true
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    redis-cli -u "$redis" flushdb >/dev/null 2>&1 || true
  }
  trap cleanup EXIT
  cleanup
  psql "$pg/postgres" -qc "CREATE DATABASE $db"

  log "1. the image: no base layers but its own, user 65532, entrypoint, port"
  podman image inspect --format 'user={{.Config.User}} entrypoint={{.Config.Entrypoint}} cmd={{.Config.Cmd}} ports={{.Config.ExposedPorts}} layers={{len .RootFS.Layers}} size={{.Size}}' "$image:$tag"
  [ "$(podman image inspect --format '{{.Config.User}}' "$image:$tag")" = 65532:65532 ] || die "the image does not run as 65532"
  # FROM scratch: buildah commits the COPY steps as one layer of its own, with nothing beneath it
  [ "$(podman image inspect --format '{{len .RootFS.Layers}}' "$image:$tag")" = 1 ] || die "the image has more than its own layer (a base image?)"

  log "2. the static binary, the time zones and the shipped configuration (check-config -offline: time_zone Asia/Shanghai)"
  pm run --rm "${run_opts[@]}" -e CALLFLOOR_ARI_PASSWORD=secret "$image:$tag" check-config -offline -config /etc/callfloor/callfloor.yaml

  log "3. migrate, the demo's administrator and data, from the image"
  pm run --rm "${run_opts[@]}" "${env[@]}" "$image:$tag" migrate
  pm run --rm "${run_opts[@]}" "${env[@]}" -e CALLFLOOR_USER_PASSWORD=callfloor-demo "$image:$tag" \
    user add -username admin -role admin -name "Demo admin"
  pm run --rm "${run_opts[@]}" "${env[@]}" -e CALLFLOOR_USER_PASSWORD=callfloor-demo "$image:$tag" demo-data -history-weeks 1

  log "4. the default command (the demo), detached; /healthz, /readyz, the login page, a login"
  pm run -d --name "$name" "${run_opts[@]}" "${env[@]}" "$image:$tag" >/dev/null
  local ok=
  for _ in $(seq 1 60); do
    if curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then ok=1; break; fi
    sleep 1
  done
  if [ -z "$ok" ]; then pm logs "$name" | tail -30 >&2; die "/healthz did not answer within 60 s"; fi
  echo "healthz: $(curl -fsS http://127.0.0.1:8080/healthz)"
  for _ in $(seq 1 30); do
    curl -fsS http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break
    sleep 1
  done
  echo "readyz: $(curl -sS http://127.0.0.1:8080/readyz)"
  curl -fsS http://127.0.0.1:8080/readyz >/dev/null
  curl -fsS http://127.0.0.1:8080/ | grep -q '<div id="app"' || die "the login page (the web UI's index.html) was not served"
  echo "login page: $(curl -fsS -o /dev/null -w '%{http_code} %{content_type} %{size_download} bytes' http://127.0.0.1:8080/)"
  local jar
  jar=$(mktemp)
  curl -fsS -c "$jar" -H 'Content-Type: application/json' -d '{"username":"admin","password":"callfloor-demo"}' http://127.0.0.1:8080/api/v1/login >/dev/null
  echo "queues (as admin): $(curl -fsS -b "$jar" http://127.0.0.1:8080/api/v1/queues | head -c 300)…"
  rm -f "$jar"
  echo "the process in the container: $(pm top "$name" user pid args 2>/dev/null | tail -n +2 || echo '(podman top unavailable)')"
  pm logs "$name" 2>&1 | tail -5
  pm stop -t 10 "$name" >/dev/null
  log "verified: $image:$tag"
}

case "$cmd" in
  build) build ;;
  save) save ;;
  verify) verify ;;
  *) echo "usage: $0 build|save|verify" >&2; exit 2 ;;
esac
