#!/usr/bin/env bash
# Installs the Debian packages a purpose needs (demo, test, lab, bench, host), as
# listed once in lib/tools/packages.ts: `bash tools/deps.sh test`. As root with apt
# it installs what is missing and says what and why in one line; otherwise it
# prints the exact command and exits 2. Deno itself comes from npm (./denow).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/denow" run --quiet --no-lock --allow-env=PATH --allow-sys=uid --allow-read --allow-run \
  "$root/tools/deps.ts" "$@"
