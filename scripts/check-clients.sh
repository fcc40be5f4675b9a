#!/usr/bin/env bash
# Checks the client examples in examples/ against the committed
# schema.graphql with each ecosystem's own tools, installed from lock files:
# relay-compiler validates the Relay project (its generated artifacts must be
# current; the integration tests run those artifacts' operations against a
# live server). Run from the repository root.
set -euo pipefail

echo "-- examples/relay: relay-compiler --validate"
(
  cd examples/relay
  npm ci --silent --no-audit --no-fund
  npx --no-install relay-compiler --validate
)
