#!/bin/sh
# Debian postrm of callfloor: purge removes the state directory (the outbox) and the user;
# the history stays in PostgreSQL.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = purge ]; then
	rm -rf /var/lib/callfloor
	if getent passwd callfloor >/dev/null; then
		userdel callfloor >/dev/null 2>&1 || true
	fi
fi
exit 0
