#!/usr/bin/env bash
# The main job on the default model: install ghost-ls and the model, then
# complete the body of a function in examples/demo.py and print the suggestion.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
echo "== model file: $(.venv/bin/ghost-ls models path qwen2.5-coder-1.5b-instruct)"
echo "== examples/demo.py, line 13, after 'return ':"
sed -n '11,13p' examples/demo.py
echo "== ghost-ls suggests:"
.venv/bin/ghost-ls complete examples/demo.py --line 13
