#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite and print the export line for it:
#     eval "$(bash scripts/start-postgres.sh)"
# Installs Debian's postgresql package if no server is installed (needs root and apt).
# The server listens on a Unix socket in a fresh temporary folder only (no TCP port).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
dir=$(mktemp -d /tmp/pointsledger-pg.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-k $dir -c listen_addresses=''" start >/dev/null
echo "export POINTSLEDGER_PG_DSN='host=$dir user=postgres dbname=postgres'"
echo "export POINTSLEDGER_PG_STOP='${as[*]} $bin/pg_ctl -D $dir/data -m fast stop'"
