#!/usr/bin/env bash
# Prepare the offline end-to-end test of the VS Code extension:
#   - Debian packages: chromium (the browser Playwright drives), libkrb5-dev (a native
#     module of code-server needs it) and ripgrep (VS Code's search, see below);
#   - code-server (VS Code's web build, from the npm registry) installed locally in
#     clients/vscode/.e2e/code-server (gitignored), never globally.
#
# Idempotent: when everything is already there it checks and exits in about a second.
# Needs root for apt-get (as on CI). Reaches only Debian's and npm's registries.
set -euo pipefail

CODE_SERVER_VERSION="4.100.3"   # the last release that runs on Node 20 (VS Code 1.100.3)
RIPGREP_PKG_VERSION="1.15.11"   # @vscode/ripgrep pinned by code-server 4.100.3's shrinkwrap
RIPGREP_ASSET="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
e2e="$here/.e2e"
prefix="$e2e/code-server"
stamp="$prefix/.installed-$CODE_SERVER_VERSION"

log() { printf 'e2e-setup: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------
need=()
for pkg in chromium libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  log "installing Debian packages: ${need[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    log "apt-get needs root; run: sudo apt-get install -y ${need[*]}"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for tool in chromium rg tar node npm; do
  command -v "$tool" >/dev/null || { log "missing $tool after install"; exit 1; }
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != 20 ]]; then
  log "code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)"
  exit 1
fi

# --- code-server -------------------------------------------------------------------
if [[ -f "$stamp" && -x "$prefix/node_modules/.bin/code-server" ]]; then
  log "code-server $CODE_SERVER_VERSION already installed in $prefix"
  exit 0
fi

log "installing code-server $CODE_SERVER_VERSION into $prefix (native build, several minutes)"
rm -rf "$prefix"
mkdir -p "$prefix" "$e2e/tmp"

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache, the folder
# os.tmpdir()/vscode-ripgrep-cache-<version>, already holds the release tarball. Give it
# Debian's rg (a tarball with `rg` at its top, as the release has) in a private TMPDIR.
export TMPDIR="$e2e/tmp"
cache="$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
mkdir -p "$cache"
if [[ ! -s "$cache/$RIPGREP_ASSET" ]]; then
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar czf "$cache/$RIPGREP_ASSET" -C "$staging" rg
  rm -rf "$staging"
fi

cat >"$prefix/package.json" <<JSON
{ "name": "ghost-ls-e2e-code-server", "private": true, "version": "0.0.0" }
JSON

# Offline native builds: node headers from Debian (/usr/include/node), no prompts,
# postinstall scripts allowed as root, no download of prebuilt binaries.
export npm_config_yes=true
export npm_config_unsafe_perm=true
export npm_config_nodedir=/usr
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
export JOBS="${JOBS:-2}"
(cd "$prefix" && npm install --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION")

[[ -x "$prefix/node_modules/.bin/code-server" ]] || { log "code-server binary missing"; exit 1; }
[[ -x "$prefix/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]] \
  || { log "ripgrep was not installed for code-server"; exit 1; }
# A throwaway HOME: code-server writes a default config file into ~/.config otherwise.
HOME="$e2e/home" XDG_CONFIG_HOME="$e2e/home/.config" XDG_DATA_HOME="$e2e/home/.local/share" \
  "$prefix/node_modules/.bin/code-server" --version
touch "$stamp"
log "done"
