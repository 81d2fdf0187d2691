#!/bin/sh
# Debian prerm of callfloor: stop the service before its binary goes (not on upgrade).
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
	systemctl stop callfloor.service >/dev/null 2>&1 || true
	systemctl disable callfloor.service >/dev/null 2>&1 || true
fi
exit 0
