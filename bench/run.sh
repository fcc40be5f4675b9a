#!/usr/bin/env bash
# The benchmark harness: createProject over HTTP (wrk) against pgbench
# running the same write set on the same PostgreSQL database, and against
# a direct program on SQLite, repeated, with medians and spread.
#
#   bench/run.sh                       # 3 runs, 10 s each, 8 and 32 connections
#   bench/run.sh --reps 5 --duration 20
#   bench/run.sh --reps 1 --duration 1 --warmup 1 --organizations 2   # smoke (CI)
#
# Installs wrk (Debian) when missing and starts PostgreSQL when it is
# down. It uses (and drops first) the database projects_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/projects-api-target}"

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  apt-get install -y -q wrk >/dev/null
fi
command -v pgbench >/dev/null || { echo "pgbench is missing (Debian: postgresql-client)" >&2; exit 1; }
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL at 127.0.0.1:5432 cannot be reached" >&2; exit 1; }

cargo build --release --quiet --bin projects-api --example sqlite_direct
exec python3 bench/harness.py "$@"
