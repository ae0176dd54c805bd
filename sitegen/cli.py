"""Command line: `sitegen check`, `sitegen build`, `sitegen config`. Thin: parse, call, report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NoReturn, Sequence

from .archive import build_archive
from .config import documented_options, load_config
from .errors import EXIT_FAILED, EXIT_OK, SitegenError, UsageError
from .plural import plural
from .reader import read_content


def run() -> NoReturn:
    """The `sitegen` command: `main`, then the process ends without the interpreter's
    teardown, which after a build would visit every object of the archive only to free
    memory the kernel frees at once (0.17 s of a year's build). What it printed is flushed first."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except SitegenError as exc:
        print(f"error: {exc}" if not exc.problems else str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Static site generator for arXiv digest archives.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="read the digests and report problems")
    check.add_argument("path", nargs="?", type=Path, help="content folder (default: the configured content_dir)")
    _common(check)
    check.set_defaults(run=_check)

    build = commands.add_parser("build", help="build the site into the output folder")
    build.add_argument("--content", type=Path, help="content folder (default: content_dir)")
    build.add_argument("--output", type=Path, help="output folder (default: output_dir)")
    build.add_argument("--jobs", type=_positive, help="worker processes (default: one per core)")
    _common(build)
    build.set_defaults(run=_build)

    serve = commands.add_parser("serve", help="preview the site in a browser, reloading as you edit")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--config", type=Path, help="configuration file (default: ./sitegen.yaml)")
    serve.set_defaults(run=_serve)

    config = commands.add_parser("config", help="list every configuration key with its default")
    config.set_defaults(run=_config)
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, help="configuration file (default: ./sitegen.yaml)")
    command.add_argument("--strict", action="store_true", default=None, help="fail on any problem in the digests")


def _check(args: argparse.Namespace) -> int:
    config = load_config(args.config).with_changes(strict=args.strict)
    content = args.path.resolve() if args.path else config.content_path
    if not content.is_dir():
        raise UsageError(f"content folder not found: {content}")
    started = time.perf_counter()
    reading = read_content(content, config.category_overrides)
    archive = build_archive(reading.digests)
    for problem in reading.problems:
        print(problem)
    skipped = sum(d.skipped for d in reading.digests)
    print(f"\n{plural(len(reading.digests), 'file')} ({reading.bytes_read / 1e6:.1f} MB), "
          f"{plural(archive.entries, 'entry')}, {plural(len(archive.papers), 'unique paper')}, "
          f"{plural(archive.merged, 'merged duplicate')}, {plural(skipped, 'skipped entry')}")
    print(f"{plural(len(archive.authors), 'author')}, {plural(len(archive.categories), 'category')}, "
          f"{plural(len(archive.days), 'day')}, {plural(len(reading.problems), 'problem')}, "
          f"in {time.perf_counter() - started:.2f} s")
    if config.strict and reading.problems:
        print(f"strict: {plural(len(reading.problems), 'problem')} found", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from .build import build_site

    config = load_config(args.config).with_changes(strict=args.strict)
    config = config.with_changes(
        content_dir=str(args.content.resolve()) if args.content else None,
        output_dir=str(args.output.resolve()) if args.output else None)
    build_site(config, jobs=args.jobs)
    return EXIT_OK


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    try:
        serve(args.config, args.host, args.port)
    except KeyboardInterrupt:
        pass
    print("sitegen serve: stopped", file=sys.stderr)
    return EXIT_OK


def _config(args: argparse.Namespace) -> int:
    for key, default, doc in documented_options():
        print(f"{key}: {default!r}\n    {doc}")
    return EXIT_OK


if __name__ == "__main__":
    run()
