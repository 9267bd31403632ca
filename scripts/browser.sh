#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (nothing downloads a browser
# of its own). Installs the `chromium` package when it is missing and apt can be used.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "Chromium: $(chromium --version 2>/dev/null | head -n1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser tests need Chromium at /usr/bin/chromium (Debian's chromium package)." >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Chromium from Debian's packages..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends chromium >/dev/null \
  || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q --no-install-recommends chromium >/dev/null; }
echo "Chromium: $(chromium --version | head -n1)"
