"""The ``vcl-fake`` command: ``demo``, ``scenario check|list``, ``serve``, ``contract``."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vcl_fake import __version__


def bundled_scenarios() -> dict[str, Path]:
    """The scenario library shipped with vcl_fake: name -> file."""
    from vcl_fake.scenario import bundled

    return bundled()


def resolve(name: str) -> str:
    """A scenario path, or the name of a bundled scenario."""
    if Path(name).exists():
        return name
    bundled = bundled_scenarios()
    if name in bundled:
        return str(bundled[name])
    raise SystemExit(
        f"vcl-fake: no scenario file or bundled scenario named {name!r} "
        "(see: vcl-fake scenario list)"
    )


def _params(pairs: Sequence[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"vcl-fake: --param takes NAME=VALUE, not {pair!r}")
        out[name] = value
    return out


def _command(
    commands: Any, name: str, help: str, example: str, description: str = ""
) -> argparse.ArgumentParser:
    text = description or help[0].upper() + help[1:] + "."
    return commands.add_parser(
        name,
        help=help,
        description=textwrap.fill(text, 88),
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="set one of the scenario's parameters (repeatable; default: the scenario's own "
        "defaults), e.g. --param item=ubuntu-22.04",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcl-fake",
        description="A stateful, in-memory fake of the vSphere Content Library API, for tests. "
        "Each command has its own --help.",
        epilog="example:\n  vcl-fake demo checksum-mismatch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vcl-fake {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = _command(
        commands,
        "demo",
        "walk a realistic upload against the fake and print its timeline",
        "vcl-fake demo slow-pull --param item=ubuntu",
        "A built-in requests client uploads an OVF template to a fresh fake (under a "
        "scenario if given) and prints every request as the fake saw it. Exit status 1 when "
        "the scenario's expectations are not met.",
    )
    demo.add_argument(
        "scenario",
        nargs="?",
        help="a scenario file, or a bundled scenario's name (vcl-fake scenario list); "
        "default: none, a clean upload",
    )
    _param_option(demo)
    scenario = _command(
        commands,
        "scenario",
        "work with scenario files",
        "vcl-fake scenario check checksum-mismatch my-scenario.yaml",
    )
    actions = scenario.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = _command(
        actions,
        "check",
        "check scenario files; every problem of a file is listed, exit status 1 if any",
        "vcl-fake scenario check scenarios/*.yaml",
    )
    check.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario files or bundled scenarios' names"
    )
    _param_option(check)
    _command(actions, "list", "list the bundled scenarios", "vcl-fake scenario list")
    serve = _command(
        commands,
        "serve",
        "serve a fake over HTTP(S) for any client (govc, curl, other SDKs)",
        "vcl-fake serve --port 8443 --scenario slow-pull",
        "Serve one fake until SIGINT or SIGTERM. It starts with a library 'templates' and "
        "an item 'photon-5' unless the scenario sets up its own; the control API is under "
        "/_vcl_fake/ (loopback clients only).",
    )
    serve.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=8443,
        help="port to listen on; 0 picks a free one (default: 8443)",
    )
    serve.add_argument(
        "--tls", dest="tls", action="store_true", default=True, help="serve HTTPS (default)"
    )
    serve.add_argument(
        "--no-tls", dest="tls", action="store_false", help="serve plain HTTP (default: HTTPS)"
    )
    serve.add_argument(
        "--cert",
        metavar="FILE",
        help="PEM certificate (chain) to serve (default: one generated, with its CA file)",
    )
    serve.add_argument("--key", metavar="FILE", help="PEM private key of --cert (default: none)")
    serve.add_argument(
        "--scenario",
        metavar="FILE|NAME",
        help="a scenario file, or a bundled scenario's name (default: none)",
    )
    _param_option(serve)
    serve.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="reproducible library, item and session ids (default: random)",
    )
    serve.add_argument(
        "--session-timeout",
        type=float,
        default=300,
        metavar="SECONDS",
        help="idle update and download sessions expire after this long (default: 300)",
    )
    serve.add_argument(
        "--fetch",
        nargs="?",
        const="loopback",
        default=False,
        choices=["loopback", "any"],
        help="PULL fetches real http(s) URLs that are not registered sources: from loopback "
        "hosts only (--fetch), or from any host (--fetch any); default: registered sources only",
    )
    serve.add_argument(
        "--datastore",
        action="append",
        default=[],
        metavar="NAME[:CAPACITY[:FREE]]",
        help="add a datastore (repeatable; sizes like 100GiB; the default datastore1 stays)",
    )
    serve.add_argument(
        "--keep-content",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep uploaded bytes (files over 1 MiB in temporary files on disk, the rest in "
        "memory) so they can be read back; --no-keep-content keeps only sizes and digests "
        "(default: keep)",
    )
    serve.add_argument("--host-name", default="vcenter.example.com", help=argparse.SUPPRESS)
    contract = _command(
        commands,
        "contract",
        "the API contract: check recordings, print the coverage",
        "vcl-fake contract check recording.har",
    )
    contract_actions = contract.add_subparsers(
        dest="contract_action", required=True, metavar="ACTION"
    )
    recorded = _command(
        contract_actions,
        "check",
        "check recorded exchanges (HAR files, vcrpy / pytest-recording cassettes) against the "
        "contract; exit status 1 on any violation",
        "vcl-fake contract check recording.har cassettes/*.yaml",
    )
    recorded.add_argument("files", nargs="+", metavar="FILE", help="HAR files or cassettes")
    _command(
        contract_actions,
        "coverage",
        "print the coverage table (markdown)",
        "vcl-fake contract coverage > coverage.md",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "contract":
        return contract_command(args)
    if args.command == "serve":
        return serve_command(args)

    if args.command == "demo":
        from vcl_fake.demo import run_demo
        from vcl_fake.scenario import ScenarioError

        try:
            return run_demo(
                sys.stdout,
                resolve(args.scenario) if args.scenario else None,
                _params(args.param),
            )
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            return 2
    if args.action == "list":
        from vcl_fake.scenario import read

        for name, path in sorted(bundled_scenarios().items()):
            summary = " ".join(read(path).description.split()).split(": ")[0].split(". ")[0]
            print(f"{name:32} {summary.rstrip('.')}")
        return 0
    return check_files(args.files, _params(args.param))


def serve_command(args: argparse.Namespace) -> int:
    import gc
    import signal

    from vcl_fake.fake import FakeVCenter
    from vcl_fake.scenario import ScenarioError
    from vcl_fake.server import CONTROL_PREFIX, FakeServer

    if args.key is not None and args.cert is None:
        print("vcl-fake: --key needs --cert", file=sys.stderr)
        return 2
    try:
        fake = FakeVCenter(
            args.host_name,
            scenario=resolve(args.scenario) if args.scenario else None,
            scenario_params=_params(args.param) or None,
            seed=args.seed,
            session_timeout=args.session_timeout,
            fetch=args.fetch,
            keep_content=args.keep_content,
        )
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        for spec in args.datastore:
            name, capacity, free = ([*spec.split(":"), "", ""])[:3]
            sizes: dict[str, Any] = {"capacity": _bytes(capacity)} if capacity else {}
            if free:
                sizes["free_space"] = _bytes(free)
            fake.add_datastore(name, **sizes)
    except (ValueError, AttributeError) as exc:
        print(f"vcl-fake: --datastore: {exc}", file=sys.stderr)
        return 2
    if not fake.libraries():  # something to try with curl at once
        library = fake.create_library("templates")
        fake.create_item(library, "photon-5")
    try:
        server = FakeServer(fake, args.bind, args.port, tls=args.tls, cert=args.cert, key=args.key)
    except OSError as exc:
        print(f"vcl-fake: cannot listen on {args.bind}:{args.port}: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a client may stop us as soon as it reads the banner
    # This process's start-up objects (contract tables, routers) live as long as it does:
    # the garbage collector stops traversing them in every full collection.
    gc.freeze()
    try:
        user, password = next(iter(fake.users.items()))
        print(f"vcl-fake listening on {server.url}")
        print(f"credentials: {user} / {password}")
        if args.tls:
            print(f"TLS certificate SHA-256 thumbprint: {server.thumbprint}")
            if server.ca_file is not None:
                print(f"trust it with: {server.ca_file}")
        for datastore_id, name in fake.datastores().items():
            print(f"datastore {name}: {datastore_id}")
        for library_id, name in fake.libraries().items():
            print(f"library {name}: {library_id}")
        for item in fake.items():
            print(f"item {item['name']}: {item['id']}")
        print(f"vim25 SOAP (govc, pyVmomi): {server.url}/sdk")
        print(f"control API: {server.url}{CONTROL_PREFIX} (loopback clients only)")
        print(f"control API token (header vcl-fake-token): {server.control_token}", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("vcl-fake stopped", flush=True)
    return 0


def _bytes(text: str) -> int:
    """A byte count: ``1048576`` or ``100GiB``."""
    from vcl_fake.scenario.data import size

    if text.isdigit():
        return int(text)
    try:
        return size(text)
    except AttributeError:
        raise ValueError(f"{text!r} is not a size (e.g. 500GiB)") from None


def contract_command(args: argparse.Namespace) -> int:
    if args.contract_action == "coverage":
        from vcl_fake.contract.coverage import markdown

        print(markdown(), end="")
        return 0
    from vcl_fake.contract.check import check_file

    total = 0
    for name in args.files:
        try:
            found = check_file(Path(name))
        except (OSError, ValueError, KeyError) as exc:
            print(f"{name}: cannot read the recording: {exc}", file=sys.stderr)
            total += 1
            continue
        for violation in found:
            print(violation)
        violations = [v for v in found if not v.not_modelled]
        total += len(violations)
        if not violations:
            unchecked = len(found)
            rest = f" ({unchecked} not modelled, not checked)" if unchecked else ""
            print(f"{name}: every exchange keeps the contract{rest}")
    return 1 if total else 0


def check_files(files: Sequence[str], params: dict[str, str] | None = None) -> int:
    from vcl_fake.scenario import ScenarioError, read

    bad = 0
    for name in files:
        try:
            read(name if Path(name).exists() else resolve(name), params=params or None)
        except ScenarioError as exc:
            bad += 1
            print(exc, file=sys.stderr)
        else:
            print(f"{name}: ok")
    return 1 if bad else 0


def run() -> None:
    """The console script: ``main()``, quiet when its output pipe closes early (``| head``)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    run()
