#!/usr/bin/env bash
# Build llama.cpp's llama-server and llama-bench for the benchmarks.
#
# What: fetches the llama-cpp-python 0.3.36 sdist (the same llama.cpp that the
# ghost-ls engine links through llama-cpp-python) and builds only the
# `llama-server` and `llama-bench` targets with cmake (Release, native CPU,
# no curl) into bench/.work/llama.cpp-build. Idempotent: exits early when
# both binaries already exist.
#
# Run:   bash bench/setup_llama_cpp.sh          (from the repo root)
# Env:   JOBS (default 2), SDIST_DIR (an unpacked sdist to reuse; default
#        /tmp/sdist/llama_cpp_python-0.3.36 if present, else downloaded into
#        bench/.work with pip).
# Prints the bin directory on stdout; progress goes to stderr.
set -euo pipefail

VERSION=0.3.36
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/bench/.work"
BUILD="$WORK/llama.cpp-build"
BIN="$BUILD/bin"
JOBS="${JOBS:-2}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"

log() { echo "[setup_llama_cpp] $*" >&2; }

if [[ -x "$BIN/llama-server" && -x "$BIN/llama-bench" ]]; then
    log "already built: $BIN"
    echo "$BIN"
    exit 0
fi

mkdir -p "$WORK"
SDIST_DIR="${SDIST_DIR:-}"
if [[ -z "$SDIST_DIR" ]]; then
    for cand in "/tmp/sdist/llama_cpp_python-$VERSION" "$WORK/llama_cpp_python-$VERSION"; do
        if [[ -f "$cand/vendor/llama.cpp/CMakeLists.txt" ]]; then
            SDIST_DIR="$cand"
            break
        fi
    done
fi
if [[ -z "$SDIST_DIR" ]]; then
    log "downloading llama-cpp-python==$VERSION sdist with pip"
    "$PY" -m pip download --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$WORK" >&2
    tar -xzf "$WORK/llama_cpp_python-$VERSION.tar.gz" -C "$WORK"
    SDIST_DIR="$WORK/llama_cpp_python-$VERSION"
fi
SRC="$SDIST_DIR/vendor/llama.cpp"
log "source: $SRC"

GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
cmake -S "$SRC" -B "$BUILD" "${GEN[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_CURL=OFF \
    -DGGML_NATIVE=ON \
    -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_BUILD_TOOLS=ON >&2
cmake --build "$BUILD" --config Release -j "$JOBS" --target llama-server llama-bench >&2

if [[ ! -x "$BIN/llama-server" || ! -x "$BIN/llama-bench" ]]; then
    log "build finished but binaries are missing under $BIN"
    exit 1
fi
log "built: $BIN"
echo "$BIN"
