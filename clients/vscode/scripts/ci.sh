#!/usr/bin/env bash
# Full build of the VS Code extension, from a fresh clone, with no global installs:
#   npm ci -> eslint -> tsc --noEmit -> esbuild bundle -> vsce package
# Output: clients/vscode/ghost-ls.vsix
#
# Idempotent: when none of the inputs changed since the last green run and the .vsix
# is there, it says so and exits at once. GHOST_LS_CI_FORCE=1 rebuilds anyway.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

say() { printf 'vscode-ci: %s\n' "$*" >&2; }
step() {
  local name="$1"; shift
  local t0=$SECONDS
  say "$name ..."
  "$@"
  say "$name ok ($((SECONDS - t0))s)"
}

command -v node >/dev/null && command -v npm >/dev/null || {
  say "node and npm are needed (Node 20 or newer)"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  say "Node 20 or newer is needed, found $(node --version)"; exit 1
fi

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# Everything the build reads (node_modules, dist, .e2e and build outputs excluded).
inputs_hash() {
  {
    node --version
    find src scripts test -type f \( -name '*.ts' -o -name '*.mjs' -o -name '*.js' -o -name '*.cjs' -o -name '*.sh' \) -print0 \
      | sort -z | xargs -0 sha256sum
    sha256sum package.json package-lock.json tsconfig.json eslint.config.mjs .vscodeignore README.md LICENSE
  } | sha256sum | cut -d' ' -f1
}

cache="node_modules/.cache/ghost-ls-ci"
stamp="$cache/inputs.sha256"
lock_stamp="node_modules/.ghost-ls-lock.sha256"
vsix="ghost-ls.vsix"

hash="$(inputs_hash)"
if [[ "${GHOST_LS_CI_FORCE:-}" != 1 && -f "$vsix" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  say "up to date: $here/$vsix (inputs unchanged; GHOST_LS_CI_FORCE=1 rebuilds)"
  exit 0
fi

t_start=$SECONDS
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$lock_stamp" && "$(cat "$lock_stamp")" == "$lock_hash" ]]; then
  say "npm ci skipped: node_modules matches package-lock.json"
else
  # --ignore-scripts: nothing in the tree needs an install script (esbuild's binary comes
  # as an optional platform package), and keytar's (vsce's optional dependency) would
  # try to download a prebuilt binary.
  step "npm ci" npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$lock_stamp"
fi
mkdir -p "$cache"
rm -f "$stamp"

step "lint (eslint)" npx --no-install eslint --max-warnings 0 --cache --cache-location "$cache/eslintcache" .
step "type-check (tsc --noEmit)" npx --no-install tsc --noEmit -p . --incremental --tsBuildInfoFile "$cache/tsbuildinfo"
step "unit tests (node --test)" node --test --test-reporter=spec test/unit.test.mjs test/inline.test.mjs test/attention.test.mjs
step "bundle (esbuild)" node scripts/bundle.mjs --production
rm -f "$vsix"
step "package (vsce)" npx --no-install vsce package --no-dependencies --allow-missing-repository --out "$vsix"
[[ -s "$vsix" ]] || { say "$vsix was not written"; exit 1; }

echo "$hash" >"$stamp"
say "built $here/$vsix ($(du -k "$vsix" | cut -f1) KiB) in $((SECONDS - t_start))s"
