#!/usr/bin/env bash
# Rewrite requirements.lock: install Chorus with its dev tools into a fresh virtual
# environment, from pyproject.toml's ranges, and record every package's exact version.
# `make install` installs from the lock, so every machine gets the same versions.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$PYTHON" -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --upgrade pip
"$scratch/venv/bin/pip" install --quiet '.[dev]'
{
  echo "# Exact versions of everything 'make install' puts in .venv (Chorus and its dev tools)."
  echo "# Made by scripts/lock.sh from pyproject.toml's ranges; tests/test_lock.py checks the two agree."
  "$scratch/venv/bin/pip" freeze --exclude chorus
} > requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages."
