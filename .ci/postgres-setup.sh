#!/usr/bin/env bash
# Starts a PostgreSQL server on loopback with a role (which may create databases, for the tests that
# start several `voltpass serve` processes on a fresh one) and a test database for the PostgreSQL store
# tests, installing the server with apt-get first when it is missing. Run as root on Debian.
# Non-interactive and idempotent: running it again leaves the same state.
#
# Progress goes to stderr; stdout is only the line to evaluate, so CI can do:
#     eval "$(bash .ci/postgres-setup.sh)"
#
# Overrides: VOLTPASS_PG_USER, VOLTPASS_PG_PASSWORD, VOLTPASS_PG_DATABASE (defaults voltpass,
# voltpass, voltpass_test).
set -euo pipefail

user="${VOLTPASS_PG_USER:-voltpass}"
password="${VOLTPASS_PG_PASSWORD:-voltpass}"
database="${VOLTPASS_PG_DATABASE:-voltpass_test}"

log() { echo "postgres-setup: $*" >&2; }
fail() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs packages and starts the cluster as user postgres)"
for name in "$user" "$database"; do
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "'$name' is not a plain lowercase SQL identifier"
done
[[ "$password" =~ ^[A-Za-z0-9._~-]+$ ]] || fail "use a password of letters, digits and . _ ~ - (it goes into a URL and SQL)"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! dpkg -s postgresql >/dev/null 2>&1; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
fi

# The newest installed server version, e.g. 15.
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
[ -n "$version" ] || fail "no PostgreSQL server found under /usr/lib/postgresql"

if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    log "creating cluster $version/main"
    pg_createcluster "$version" main >&2
fi

port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')"
status="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }')"
if [ "$status" != "online" ]; then
    # Loopback only, whatever the cluster's configuration says; the configuration is left untouched.
    log "starting cluster $version/main on 127.0.0.1:$port"
    pg_ctlcluster "$version" main start -- -o "-c listen_addresses=127.0.0.1" >&2
fi

for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$port" || fail "the server does not accept connections on 127.0.0.1:$port"

as_postgres() { runuser -u postgres -- psql -p "$port" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The tests run in parallel, many with a store (a pool of up to 20 connections) or several instances
# at once: room for 500 connections instead of the default 100.
if [ "$(as_postgres -tA -c "SHOW max_connections")" -lt 500 ]; then
    log "raising max_connections to 500 (restarts the cluster)"
    as_postgres -c "ALTER SYSTEM SET max_connections = 500" >&2
    pg_ctlcluster "$version" main stop >&2
    pg_ctlcluster "$version" main start -- -o "-c listen_addresses=127.0.0.1" >&2
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
fi

if [ "$(as_postgres -tA -c "SELECT 1 FROM pg_roles WHERE rolname = '$user'")" != "1" ]; then
    log "creating role $user"
    as_postgres -c "CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password'" >&2
else
    as_postgres -c "ALTER ROLE $user LOGIN CREATEDB PASSWORD '$password'" >&2
fi
if [ "$(as_postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
    log "creating database $database"
    as_postgres -c "CREATE DATABASE $database OWNER $user" >&2
fi

# Check the credentials over TCP exactly as the tests will use them.
PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$database" -tA -c "SELECT 1" >/dev/null \
    || fail "cannot log in as $user to $database over 127.0.0.1:$port"

log "ready: PostgreSQL $version on 127.0.0.1:$port, database $database"
echo "export VOLTPASS_POSTGRES_URL=postgres://$user:$password@127.0.0.1:$port/$database"
