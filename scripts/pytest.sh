#!/usr/bin/env bash
# Runs pytest with the given arguments. pytest exits 5 when it collects no tests (an empty
# selection); that is reported, not treated as a crash. Every other status passes through.
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests for: $*" >&2
  exit 0
fi
exit "$status"
