#!/usr/bin/env bash
# test-postgres.sh runs a throwaway PostgreSQL cluster for the tests: Debian's
# postgresql package (installed when missing, like the browser tests'
# chromium), initdb into a temporary directory, listening on a free loopback
# port only, owned by the postgres user when this runs as root (PostgreSQL
# refuses to run as root). Nothing outlives it.
#
#   scripts/test-postgres.sh run CMD [ARGS...]  # start, run CMD with
#                                               # HELPDESK_TEST_DATABASE_URL set, stop, remove
#   scripts/test-postgres.sh start DIR          # start a cluster in DIR (empty or missing);
#                                               # prints HELPDESK_TEST_DATABASE_URL=... and PGBIN=...
#   scripts/test-postgres.sh stop DIR           # stop it and remove DIR
#   scripts/test-postgres.sh pg_ctl DIR ARGS    # pg_ctl on DIR as the right user (tests stop and restart it)
#
# The URL carries a random password (scram-sha-256): the tests can check that
# it never reaches a log. Any failure stops with a message and a non-zero
# status; nothing is skipped.
set -euo pipefail

say() { echo "test-postgres: $*" >&2; }
die() { echo "test-postgres: ERROR: $*" >&2; exit 1; }

# pgbin finds the server's binaries: Debian keeps them off PATH, under
# /usr/lib/postgresql/<version>/bin.
pgbin() {
	local d
	if [ -n "${PGBIN:-}" ] && [ -x "$PGBIN/initdb" ]; then
		echo "$PGBIN"
		return 0
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

# apt_get is apt-get one at a time: make test installs PostgreSQL and the
# browser at once, and apt takes its locks without waiting.
apt_get() { flock /var/lock/onelogin-helpdesk-apt apt-get -o DPkg::Lock::Timeout=600 "$@"; }

install_postgres() {
	if [ "$(id -u)" != 0 ]; then
		die "PostgreSQL is missing and this is not root; install it with: sudo apt-get update && sudo apt-get install -y postgresql"
	fi
	command -v apt-get >/dev/null || die "PostgreSQL is missing and apt-get is not available; install PostgreSQL 13 or newer"
	say "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt_get update -qq || die "apt-get update failed"
	say "apt-get install -y postgresql"
	# The package would start a cluster of its own as a service; the tests
	# never use it, and on a machine without init nothing starts anyway.
	DEBIAN_FRONTEND=noninteractive apt_get install -y -qq postgresql >/dev/null || die "apt-get install postgresql failed"
}

# as_owner runs a command as the cluster's owner: postgres when we are root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		# runuser keeps no terminal and needs no password.
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 - 2>/dev/null <<'EOF' && return 0
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
	# No python: try ports until one is free.
	local p
	for p in $(shuf -i 20000-60000 -n 50); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

start() {
	local dir=$1
	local bin
	bin=$(pgbin) || { install_postgres; bin=$(pgbin) || die "postgresql was installed but initdb is not found"; }
	mkdir -p "$dir"
	[ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user to run the server as"
		chown postgres: "$dir"
		chmod 700 "$dir"
		# The postgres user must be able to reach the directory.
		local parent
		parent=$(dirname "$dir")
		while [ "$parent" != / ]; do
			chmod o+x "$parent" 2>/dev/null || true
			parent=$(dirname "$parent")
		done
	fi
	local password port
	password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$password" >"$dir/.pw"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir/.pw"
	as_owner "$bin/initdb" -D "$dir/data" -U helpdesk --pwfile="$dir/.pw" --auth=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	rm -f "$dir/.pw"
	port=$(free_port) || die "no free port"
	cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
EOF
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2; die "the server did not start"; }
	echo "$port" >"$dir/port"
	echo "$bin" >"$dir/bin"
	echo "HELPDESK_TEST_DATABASE_URL=postgres://helpdesk:$password@127.0.0.1:$port/postgres?sslmode=disable"
	echo "PGBIN=$bin"
}

stop() {
	local dir=$1
	[ -d "$dir" ] || return 0
	if [ -f "$dir/bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-}" in
run)
	shift
	[ $# -gt 0 ] || die "run needs a command"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-pg.XXXXXX")
	trap 'stop "$dir"' EXIT
	trap 'exit 130' INT TERM
	env_lines=$(start "$dir")
	url=$(echo "$env_lines" | sed -n 's/^HELPDESK_TEST_DATABASE_URL=//p')
	export HELPDESK_TEST_DATABASE_URL=$url
	export HELPDESK_TEST_PGBIN=$(cat "$dir/bin")
	say "PostgreSQL $("$HELPDESK_TEST_PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$(cat "$dir/port") (data in $dir, removed afterwards)"
	set +e
	"$@"
	status=$?
	set -e
	exit $status
	;;
start)
	[ -n "${2:-}" ] || die "start needs a directory"
	start "$2"
	;;
stop)
	[ -n "${2:-}" ] || die "stop needs a directory"
	stop "$2"
	;;
pg_ctl)
	[ -n "${2:-}" ] || die "pg_ctl needs a directory"
	dir=$2
	shift 2
	as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -l "$dir/server.log" "$@"
	;;
*)
	die "usage: $0 run CMD... | start DIR | stop DIR | pg_ctl DIR ARGS..."
	;;
esac
