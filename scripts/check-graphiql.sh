#!/usr/bin/env bash
# Proves the embedded GraphiQL works with no internet access: starts the
# server on a fresh SQLite file, opens /graphql in headless Chromium with
# every request to another origin blocked, checks that a first visit with
# no token loads the docs without an error, runs a query from the editor
# and checks the response. Then calls the API from pages on other origins
# (CORS): an allowed one succeeds, another is stopped by the browser. Installs Debian's chromium and playwright-core when
# missing. Run from the repository root after `cargo build`.
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
bin="$CARGO_TARGET_DIR/debug/projects-api"
[ -x "$bin" ] || cargo build --quiet

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd scripts/browser && npm ci --silent --no-audit --no-fund)

dir=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
export DATABASE_URL="sqlite://$dir/graphiql.db?mode=rwc"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$("$bin" admin create-user --email graphiql@example.com | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
allowed_port=$(free_port)
denied_port=$(free_port)
CORS_ALLOWED_ORIGINS=http://localhost:$allowed_port "$bin" serve --listen "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
  sleep 0.1
done
node scripts/browser/graphiql.mjs "http://127.0.0.1:$port" "$token" "${1:-$dir/graphiql.png}"
node scripts/browser/cors.mjs "http://127.0.0.1:$port" "$token" "$allowed_port" "$denied_port"
