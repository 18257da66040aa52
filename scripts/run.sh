#!/usr/bin/env bash
# The project's one entry point on a fresh machine.
#   scripts/run.sh demo   install everything, start the demo
#   scripts/run.sh test   install everything, run every check and test
#   scripts/run.sh bench  install everything, run the benchmarks
#   scripts/run.sh <pnpm args...>
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$KOPPELMIJ_ROOT"
echo "toolchain: node $(node --version), pnpm $(pnpm --version)" >&2

pnpm install --frozen-lockfile --reporter=append-only >&2

# Browser tests drive Debian's Chromium; install it when it is missing.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "toolchain: installing Debian's chromium package" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "toolchain: /usr/bin/chromium is missing and cannot be installed here; browser tests will be skipped" >&2
  fi
}

case "${1:-}" in
  demo)  shift; exec pnpm demo "$@" ;;
  test)  shift; ensure_chromium; exec pnpm test "$@" ;;
  bench) shift; exec pnpm bench "$@" ;;
  *)     exec pnpm "$@" ;;
esac
