#!/usr/bin/env bash
# Build llama.cpp's llama-server and llama-bench for the benchmarks.
#
# What: fetches the llama-cpp-python 0.3.36 sdist (the same llama.cpp that the
# ghost-ls engine links through llama-cpp-python) and builds only the
# `llama-server` and `llama-bench` targets with cmake (Release, native CPU,
# no curl) into a cache folder outside the checkout,
# ~/.cache/ghost-ls/llama.cpp-VERSION-CPUKEY (CPUKEY: a hash of this CPU's flags, as
# the build is native), linked as bench/.work/llama.cpp-build. Idempotent: exits
# early when both binaries already exist, so a second checkout or CI run on the same
# machine reuses them.
#
# Run:   bash bench/setup_llama_cpp.sh          (from the repo root)
# Env:   JOBS (default 2), SDIST_DIR (an unpacked sdist to reuse; default
#        /tmp/sdist/llama_cpp_python-0.3.36 if present, else downloaded with pip into
#        the cache and linked as bench/.work/llama_cpp_python-0.3.36, also when the
#        binaries exist), GHOST_LS_CACHE (default ~/.cache/ghost-ls).
# Prints the bin directory on stdout; progress goes to stderr.
set -euo pipefail

VERSION=0.3.36
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/bench/.work"
CPU_KEY="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12)"
CACHE="${GHOST_LS_CACHE:-$HOME/.cache/ghost-ls}"
BUILD="$CACHE/llama.cpp-$VERSION-$CPU_KEY"
LINK="$WORK/llama.cpp-build"
BIN="$BUILD/bin"
JOBS="${JOBS:-2}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"

log() { echo "[setup_llama_cpp] $*" >&2; }

SDIST_CACHE="$CACHE/llama_cpp_python-$VERSION"
SDIST_LINK="$WORK/llama_cpp_python-$VERSION"

# The sdist, unpacked once in the cache and linked into bench/.work: besides the
# llama.cpp source it holds the vocab-only GGUFs that bench/make_fim_model.py and its
# smoke test use, so a fresh checkout on a machine with the build gets them too.
fetch_sdist() {
    if [[ ! -f "$SDIST_CACHE/vendor/llama.cpp/CMakeLists.txt" ]]; then
        log "downloading llama-cpp-python==$VERSION sdist with pip"
        mkdir -p "$CACHE"
        "$PY" -m pip download --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$CACHE" >&2
        tar -xzf "$CACHE/llama_cpp_python-$VERSION.tar.gz" -C "$CACHE"
    fi
    mkdir -p "$WORK"
    if [[ -L "$SDIST_LINK" || ! -e "$SDIST_LINK" ]]; then
        ln -sfn "$SDIST_CACHE" "$SDIST_LINK"
    fi
}

link_build() {
    mkdir -p "$WORK"
    if [[ -L "$LINK" || ! -e "$LINK" ]]; then
        ln -sfn "$BUILD" "$LINK"
    fi
}

if [[ -x "$BIN/llama-server" && -x "$BIN/llama-bench" ]]; then
    link_build
    fetch_sdist || log "could not fetch the sdist: bench/make_fim_model.py will lack its vocab files"
    log "already built: $BIN"
    echo "$BIN"
    exit 0
fi

mkdir -p "$WORK" "$CACHE"
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
    fetch_sdist
    SDIST_DIR="$SDIST_LINK"
fi
SRC="$SDIST_DIR/vendor/llama.cpp"
log "source: $SRC"

GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
cmake -S "$SRC" -B "$BUILD" "${GEN[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF \
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
link_build
log "built: $BIN"
echo "$BIN"
