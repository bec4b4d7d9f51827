"""The ``vcl-fake`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vcl_fake import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="vcl-fake", description="A fake of the vSphere Content Library update-session API."
    )
    parser.add_argument("--version", action="version", version=f"vcl-fake {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="walk a realistic upload flow against the fake and print it")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from vcl_fake.demo import run_demo

        return run_demo(sys.stdout)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
