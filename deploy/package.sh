#!/usr/bin/env bash
# Builds callfloor's Debian package into dist/ (or $CALLFLOOR_PACKAGE_DIR):
#   ./deploy/package.sh                       # dist/callfloor_<version>_<arch>.deb
#   CALLFLOOR_VERSION=1.2.0 ./deploy/package.sh
# A static binary (CGO off, the web UI embedded from dashboards/ui/dist as committed), a systemd
# unit, the configuration in /etc/callfloor/. Install with `apt install ./dist/callfloor_*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CALLFLOOR_VERSION:-}" ]; then
  # a Debian version must start with a digit: 0.0.0~git<commit date>.<commit>
  CALLFLOOR_VERSION="0.0.0~git$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S).$(git rev-parse --short HEAD)"
fi
export CALLFLOOR_VERSION
export CALLFLOOR_ARCH=${CALLFLOOR_ARCH:-$(go env GOARCH)}
out=${CALLFLOOR_PACKAGE_DIR:-dist}
mkdir -p "$out"
# nfpm takes the binary from a fixed path (it expands no variables in contents)
mkdir -p .run/package
CGO_ENABLED=0 GOOS=linux GOARCH="$CALLFLOOR_ARCH" go build -trimpath -ldflags '-s -w' -o .run/package/callfloor ./cmd/callfloor
go tool nfpm package --config deploy/package/nfpm.yaml --packager deb --target "$out/"
ls "$out"/callfloor_*"$CALLFLOOR_ARCH".deb
