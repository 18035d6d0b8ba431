#!/usr/bin/env bash
# Verification throughput over HTTP on SQLite and on PostgreSQL, side by side in one run: a release
# `voltpass serve --demo` (1,000 packs) on each backend, then wrk (16 connections, 10 s, rotating
# over 800 packs with Accept: application/json, after a warm-up pass) against each in turn, twice;
# then two instances on one PostgreSQL database, 8 connections each at once. Prints wrk's summaries and the ratios.
#
#   VOLTPASS_POSTGRES_URL=postgres://voltpass:voltpass@127.0.0.1:5432/voltpass_test bash scripts/verify-throughput.sh
#
# Needs wrk and psql (Debian: wrk, postgresql-client); the role must be allowed to create databases
# (.ci/postgres-setup.sh grants it). Builds nothing: run `swift build -c release --product voltpass` first.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${VOLTPASS_BIN:-.build/release/voltpass}"
server="${VOLTPASS_POSTGRES_URL:?set VOLTPASS_POSTGRES_URL to a PostgreSQL server URL}"
seconds="${SECONDS_PER_RUN:-10}"
work="$(mktemp -d)"
database="voltpass_bench_$(date +%s)"
url="${server%/*}/$database"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql -X -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/rotate.lua" <<'LUA'
local n = 0
request = function()
    n = (n + 1) % 800
    return wrk.format("GET", string.format("/verify/device/VP-%05d", n + 3), { ["Accept"] = "application/json" })
end
LUA

start() { # name port [serve options...]
    local name="$1" port="$2"
    shift 2
    "$binary" serve --data "$work/$name" --port "$port" --public-host localhost:8080 --log-level warning "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=("$!")
    for _ in $(seq 1 600); do
        grep -q "listening on" "$work/$name.out" 2>/dev/null && return 0
        sleep 0.5
    done
    echo "$name did not start:" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    exit 1
}

measure() { # label port connections
    wrk -t2 -c"$3" -d"${seconds}s" --latency -s "$work/rotate.lua" "http://127.0.0.1:$2" >"$work/wrk-$1.txt"
    local rate p99
    rate="$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-$1.txt")"
    p99="$(awk '$1 == "99%" { print $2 }' "$work/wrk-$1.txt")"
    local errors
    errors="$(awk '/Non-2xx|Socket errors/' "$work/wrk-$1.txt")"
    echo "$1: $rate requests/s, p99 $p99 ${errors:+($errors)}"
    echo "$rate" >"$work/rate-$1"
}

psql -X -q "$server" -c "CREATE DATABASE $database" >/dev/null
start sqlite 18301 --demo
start postgres 18302 --demo --postgres "$url"
mkdir -p "$work/postgres-2"
ln -s "$work/postgres/keys" "$work/postgres-2/keys"
start postgres-2 18303 --postgres "$url"

# One pass over the packs first on each instance, so both are measured warm (bundles remembered).
for port in 18301 18302 18303; do
    wrk -t1 -c4 -d3s -s "$work/rotate.lua" "http://127.0.0.1:$port" >/dev/null
done
for round in 1 2; do
    measure "sqlite-$round" 18301 16
    measure "postgres-$round" 18302 16
done
wrk -t1 -c8 -d"${seconds}s" --latency -s "$work/rotate.lua" http://127.0.0.1:18302 >"$work/wrk-two-a.txt" &
first=$!
wrk -t1 -c8 -d"${seconds}s" --latency -s "$work/rotate.lua" http://127.0.0.1:18303 >"$work/wrk-two-b.txt"
wait "$first"
two="$(awk '/^Requests\/sec/ { sum += $2 } END { printf "%.0f", sum }' "$work/wrk-two-a.txt" "$work/wrk-two-b.txt")"
echo "two PostgreSQL instances, 8 connections each: $two requests/s (p99 $(awk '$1 == "99%" { print $2 }' "$work/wrk-two-a.txt") and $(awk '$1 == "99%" { print $2 }' "$work/wrk-two-b.txt"))"
for round in 1 2; do
    awk -v s="$(cat "$work/rate-sqlite-$round")" -v p="$(cat "$work/rate-postgres-$round")" \
        'BEGIN { printf "round %d: PostgreSQL / SQLite = %.2f\n", '"$round"', p / s }'
done
