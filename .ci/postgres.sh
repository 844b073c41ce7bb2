#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the tests, installing
# Debian's package when the machine has none. Prints the connection URL on
# its last line: .ci/run exports it as SEGMENTKIT_TEST_POSTGRES.
# A server runs as the postgres user (PostgreSQL refuses root).
set -euo pipefail
PORT="${SEGMENTKIT_PG_PORT:-54329}"
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
# Run twice on one machine (a developer re-running .ci/run): reuse the server.
if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    echo "$URL"
    exit 0
fi
DATA="$(mktemp -d /tmp/segmentkit-pg.XXXXXX)"
chown postgres "$DATA"
# C.UTF-8 text, so the default collation of the test database is a plain one;
# the tests also make an ICU en-US database to check ordering there.
su postgres -c "$BIN/initdb -D $DATA -A trust -U postgres -E UTF8 --locale=C.UTF-8" >&2
su postgres -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w \
    -o '-h 127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >&2
echo "$URL"
