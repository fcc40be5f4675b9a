#!/usr/bin/env bash
# Checks the client examples in examples/ with each ecosystem's own tools,
# installed from lock files at pinned versions, against the committed
# schema.graphql and a live server (the debug binary on a fresh SQLite file):
#
# - schema.graphql itself: graphql-schema-linter (scripts/schema-lint:
#   descriptions everywhere, naming, the Relay connection rules);
# - examples/relay: relay-compiler --validate (its generated artifacts must
#   be current; the integration tests run their operations);
# - examples/typescript: GraphQL Code Generator, tsc, then the script that
#   creates a project through Apollo Client with automatic persisted
#   queries and prints each field error of a bad one;
# - examples/web: the create-project form in headless Chromium, each error
#   under its field; screenshots are saved as $SCREENSHOTS/web-form-STORE.png;
# - examples/rust: cynic's typed client, checked against schema.graphql at
#   compile time, creates a project and reads a bad one's field errors.
#
# The live checks run against a server on SQLite, then on PostgreSQL
# ($TEST_DATABASE_URL's server, in a database of their own, dropped after).
#
# Run from the repository root after `cargo build`.
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
bin="$CARGO_TARGET_DIR/debug/projects-api"
[ -x "$bin" ] || cargo build --quiet
screenshots="${SCREENSHOTS:-$CARGO_TARGET_DIR/screenshots}"
mkdir -p "$screenshots"

echo "-- schema.graphql: graphql-schema-linter"
(
  cd scripts/schema-lint
  npm ci --silent --no-audit --no-fund
  npx --no-install graphql-schema-linter ../../schema.graphql
)

echo "-- examples/relay: relay-compiler --validate"
(
  cd examples/relay
  npm ci --silent --no-audit --no-fund
  npx --no-install relay-compiler --validate
)

echo "-- examples/typescript: codegen and tsc"
(
  cd examples/typescript
  npm ci --silent --no-audit --no-fund
  npx --no-install graphql-codegen --config codegen.ts --silent
  npx --no-install tsc --noEmit
  npx --no-install tsc
)

echo "-- examples/rust: cargo build -p projects-api-rust-example"
cargo build --quiet -p projects-api-rust-example
rust_client="$CARGO_TARGET_DIR/debug/projects-api-rust-example"

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd scripts/browser && npm ci --silent --no-audit --no-fund)

dir=$(mktemp -d)
server=""
pg_database=""
pg_admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$pg_database" ] && psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts a server over $1 and runs every live check against it.
live() {
  export DATABASE_URL="$1"
  local store="$2" port page_port token
  port=$(free_port)
  page_port=$(free_port)
  token=$("$bin" admin create-user --email clients@example.com | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  CORS_ALLOWED_ORIGINS="http://localhost:$page_port" "$bin" serve --listen "127.0.0.1:$port" >"$dir/server-$store.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    sleep 0.1
  done

  echo "-- [$store] examples/typescript: create a project against a live server"
  (cd examples/typescript && API_URL="http://127.0.0.1:$port" API_TOKEN="$token" node dist/create-project.js)

  echo "-- [$store] examples/rust: the cynic client against a live server"
  API_URL="http://127.0.0.1:$port" API_TOKEN="$token" "$rust_client"

  echo "-- [$store] examples/web: the form in headless Chromium"
  node scripts/browser/web-form.mjs "http://127.0.0.1:$port" "$token" "$page_port" "$screenshots/web-form-$store.png"

  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

live "sqlite://$dir/clients.db?mode=rwc" sqlite
pg_database="clients_$(date +%s)_$$"
psql -q "$pg_admin" -c "CREATE DATABASE $pg_database" >/dev/null
live "${pg_admin%/*}/$pg_database" postgres
