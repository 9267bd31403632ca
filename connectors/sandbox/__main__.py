"""Serve the sandbox alone.

python -m connectors.sandbox [--host 127.0.0.1] [--port 8765] [--auto-approve]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from werkzeug.serving import run_simple

from connectors.sandbox import create_sandbox


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m connectors.sandbox",
        description="Local emulation of the X API v2 and LinkedIn REST API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="authorize pages redirect straight back with a code (for scripts)",
    )
    args = parser.parse_args(argv)
    base = f"http://{args.host}:{args.port}"
    print(f"X API sandbox:        {base}/x   (e.g. {base}/x/2/tweets)")
    print(f"LinkedIn sandbox:     {base}/linkedin   (e.g. {base}/linkedin/rest/posts)")
    print(f"Fault control (local): {base}/_control/faults, {base}/_control/reset")
    run_simple(args.host, args.port, create_sandbox(auto_approve=args.auto_approve), threaded=True)


if __name__ == "__main__":
    main()
