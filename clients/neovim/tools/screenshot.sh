#!/usr/bin/env bash
# Regenerate clients/neovim/screenshot.png: Neovim in tmux with the plugin and the real
# server, a new line under a for loop, wait for the ghost text, capture, render.
# Needs tmux, nvim, ghost-ls, and PYTHON pointing at a Python with Pillow.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
NVIM="${NVIM:-$repo/.venv/bin/nvim}"
work="$(mktemp -d)"
cat > "$work/demo.py" <<'PY'
import math


def circle_area(radius):
    """Return the area of a circle with the given radius."""
    return math.pi * radius ** 2


def fizzbuzz(n):
    """Print the numbers 1..n, Fizz for multiples of 3, Buzz for 5."""
    for i in range(1, n + 1):
PY
cat > "$work/init.lua" <<LUA
vim.opt.rtp:prepend("$here")
vim.o.termguicolors = true
vim.o.number = true
vim.o.laststatus = 2
vim.o.swapfile = false
vim.o.statusline = " %f %m%=%{v:lua.require'ghost_ls'.statusline()} "
require("ghost_ls").setup({ server_settings = { timeoutMs = 20000 } })
LUA
tmux -f /dev/null new-session -d -s ghostshot -x 84 -y 20 -e TERM=tmux-256color \
  "cd $work && PATH=$repo/.venv/bin:\$PATH $NVIM -u $work/init.lua -i NONE demo.py"
trap 'tmux kill-session -t ghostshot 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 5
tmux send-keys -t ghostshot G
sleep 0.5
tmux send-keys -t ghostshot o
for _ in $(seq 1 60); do
  sleep 2
  screen="$(tmux capture-pane -t ghostshot -p)"
  if grep -q "ghost-ls: ready" <<<"$screen" && sed -n 13p <<<"$screen" | grep -q "[a-z]"; then
    break
  fi
done
sleep 1
tmux capture-pane -t ghostshot -e -p > "$work/capture.txt"
read -r x y < <(tmux display -t ghostshot -p '#{cursor_x} #{cursor_y}')
"$PYTHON" "$here/tools/ansi_to_png.py" "$work/capture.txt" "$here/screenshot.png" "$x" "$y" 84
