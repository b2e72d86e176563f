#!/usr/bin/env bash
# Run a command with NP_TEST_PG_URL pointing at a throwaway PostgreSQL server, then stop and remove the server.
#   bash scripts/with-postgres.sh node --test dist/test/
# The server is Debian's package (apt-get install postgresql when missing, as root; no download at run time),
# initialised into a temporary folder as an unprivileged user (the package's 'postgres' user when run as root),
# listening on 127.0.0.1 on a free port with password authentication. NP_TEST_PG_CONTROL names a script that
# stops and starts it again (the tests restart the server mid-sweep). When NP_TEST_PG_URL is already set, the
# command runs against that server instead (its role needs CREATEDB: every test makes its own database).
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "with-postgres: usage: with-postgres.sh COMMAND [ARG...]" >&2
  exit 2
fi
if [ -n "${NP_TEST_PG_URL:-}" ]; then exec "$@"; fi

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(bindir)" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "with-postgres: PostgreSQL is not installed and not root: install Debian's 'postgresql' package" \
      "or set NP_TEST_PG_URL" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN=$(bindir)
if [ ! -x "$BIN/initdb" ]; then
  echo "with-postgres: no initdb under /usr/lib/postgresql: install Debian's 'postgresql' package" >&2
  exit 1
fi

# initdb refuses to run as root: as root, the server runs as the package's unprivileged 'postgres' user.
AS=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root and there is no 'postgres' user to run the server as" >&2
    exit 1
  fi
  AS=(runuser -u postgres --)
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/np-pg.XXXXXX")
chmod 755 "$DIR"
[ "${#AS[@]}" -gt 0 ] && chown postgres "$DIR"
cleanup() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$PASSWORD" >"$DIR/pwfile"
[ "${#AS[@]}" -gt 0 ] && chown postgres "$DIR/pwfile"
"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U np --pwfile="$DIR/pwfile" --auth=scram-sha-256 -E UTF8 \
  --no-sync --no-instructions >"$DIR/initdb.log" 2>&1 || {
  cat "$DIR/initdb.log" >&2
  exit 1
}
rm -f "$DIR/pwfile"

# A free port: the kernel picks one, and the server takes it a moment later (retried if someone else did).
free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => {
    console.log(s.address().port);
    s.close();
  });"
}
# No fsync (the data lives as long as the tests, and the machine does not crash under them); commits stay
# synchronous, so a server killed mid-sweep (the tests do that) keeps every transaction it acknowledged.
cat >"$DIR/ctl" <<EOF
#!/usr/bin/env bash
# stop | start the test server ($DIR)
set -euo pipefail
case "\$1" in
  stop) ${AS[*]} "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null ;;
  start) ${AS[*]} "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null ;;
  *) echo "usage: ctl stop|start" >&2; exit 2 ;;
esac
EOF
chmod 755 "$DIR/ctl"
for attempt in 1 2 3; do
  PORT=$(free_port)
  cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 200
fsync = off
full_page_writes = off
EOF
  if "$DIR/ctl" start; then break; fi
  if [ "$attempt" -eq 3 ]; then
    echo "with-postgres: the server did not start:" >&2
    tail -n 20 "$DIR/server.log" >&2
    exit 1
  fi
done

export NP_TEST_PG_URL="postgresql://np:$PASSWORD@127.0.0.1:$PORT/postgres"
export NP_TEST_PG_CONTROL="$DIR/ctl"
"$@"
