#!/bin/sh
# Debian postinst of callfloor: the system user, the secrets file's owner, and on upgrade a
# restart (whose ExecStartPre migrates the schema first).
set -e
if [ "$1" = configure ]; then
	if ! getent passwd callfloor >/dev/null; then
		useradd --system --user-group --home-dir /var/lib/callfloor --no-create-home \
			--shell /usr/sbin/nologin --comment "callfloor call-centre platform" callfloor
	fi
	chown root:callfloor /etc/callfloor /etc/callfloor/callfloor.yaml /etc/callfloor/callfloor.env
	chmod 0750 /etc/callfloor
	chmod 0640 /etc/callfloor/callfloor.yaml /etc/callfloor/callfloor.env
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload >/dev/null || true
		# an upgrade restarts a running service (the new binary migrates, then serves); a first
		# install leaves it to the administrator, who edits the configuration first
		if [ -n "$2" ]; then
			systemctl try-restart callfloor.service >/dev/null || true
		fi
	fi
fi
exit 0
