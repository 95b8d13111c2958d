#!/usr/bin/env bash
# The whole test suite: install what it needs, then lint, type-check, build the VS Code
# extension, and run pytest (unit, LSP over stdio with the real model, real Neovim,
# real VS Code in headless Chromium, benchmark smoke tests).
# GHOST_LS_SKIP_VSCODE=1 skips the VS Code build and end-to-end test;
# GHOST_LS_SKIP_LLAMA_SERVER=1 skips building llama-server (its tests then skip).
set -euo pipefail
cd "$(dirname "$0")/.."
# the default model, the 0.5B the LSP tests run on, and Gemma 3 270M (tiny, no FIM: the
# second model of the model-switch tests and the model of the bench smoke tests)
MODELS="qwen2.5-coder-1.5b-instruct qwen2.5-coder-0.5b-instruct gemma3-270m" scripts/bootstrap.sh
echo "== ruff" >&2
.venv/bin/ruff check server tests bench
echo "== mypy" >&2
.venv/bin/mypy
if [ "${GHOST_LS_SKIP_VSCODE:-0}" != 1 ] && [ -f clients/vscode/scripts/ci.sh ]; then
    echo "== VS Code extension: npm ci, lint, type-check, bundle, package" >&2
    bash clients/vscode/scripts/ci.sh
fi
if [ "${GHOST_LS_SKIP_LLAMA_SERVER:-0}" != 1 ]; then
    # llama-server and llama-bench for the team-backend tests and the bench smoke test;
    # built once per machine into ~/.cache/ghost-ls (10-30 min on 2 cores), then reused
    echo "== llama-server (bench/setup_llama_cpp.sh)" >&2
    bash bench/setup_llama_cpp.sh >/dev/null
fi
echo "== models" >&2
.venv/bin/ghost-ls models path qwen2.5-coder-1.5b-instruct
.venv/bin/ghost-ls models path qwen2.5-coder-0.5b-instruct
.venv/bin/ghost-ls models path gemma3-270m
echo "== pytest" >&2
.venv/bin/python -m pytest "$@"
