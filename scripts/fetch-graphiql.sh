#!/usr/bin/env bash
# Refreshes the GraphiQL playground assets the server embeds (assets/graphiql).
# The server serves them itself so that the playground works with no internet
# access. Pin the versions here; run from the repository root.
set -euo pipefail
GRAPHIQL=3.9.0
REACT=18.3.1
out=assets/graphiql
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for pkg in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir -p "$tmp/$pkg" && tar -xzf "$tmp/$pkg.tgz" -C "$tmp/$pkg"
done
mkdir -p "$out"
cp "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.js" "$out/graphiql.min.js"
cp "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.css" "$out/graphiql.min.css"
cp "$tmp/react-$REACT/package/umd/react.production.min.js" "$out/react.production.min.js"
cp "$tmp/react-dom-$REACT/package/umd/react-dom.production.min.js" "$out/react-dom.production.min.js"
for license in "graphiql-$GRAPHIQL:graphiql" "react-$REACT:react"; do
  cp "$tmp/${license%%:*}/package/LICENSE" "$out/LICENSE.${license##*:}" 2>/dev/null || true
done
ls -l "$out"
