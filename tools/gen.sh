#!/usr/bin/env bash
# Regenerates proto/gen/ from proto/ with pinned buf + protoc-gen-es from npm.
# --check: regenerate into a temp copy and fail if the committed code differs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools/protogen"
if [ ! -x "$tools/node_modules/.bin/buf" ]; then
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
export PATH="$tools/node_modules/.bin:$PATH"
cd "$root/proto"
buf lint
if [ "${1:-}" = "--check" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  buf generate --output "$tmp"
  if ! diff -r "$tmp/gen" "$root/proto/gen" >/dev/null; then
    echo "proto/gen/ is stale: run ./denow task gen and commit the result" >&2
    diff -r "$tmp/gen" "$root/proto/gen" | head -20 >&2
    exit 1
  fi
  echo "proto/gen/ is current"
else
  buf generate
  echo "generated proto/gen/"
fi
