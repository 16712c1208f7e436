#!/usr/bin/env bash
# Debian's Chromium for the inspector's browser tests (tests/server/test_inspector_browser.py).
#
# Playwright (in the dev extra) drives this system browser through its executable path; it
# never downloads a browser of its own. Installed once per machine from Debian's registry.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
fi
command -v chromium
