"""Command line: `sitegen new`, `check`, `build`, `serve`, `config`. Thin: parse, call, report."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from . import __version__
from .config import Config, documented_options, load_config
from .errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, SitegenError, UsageError
from .plural import plural
from .reader import content_warnings, list_content, read_listed
from .resources import DEFAULT_THEME


def run() -> NoReturn:
    """The `sitegen` command: `main`, then the process ends without the interpreter's
    teardown, which after a build would visit every object of the archive only to free
    memory the kernel frees at once. What it printed is flushed first."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `sitegen config | head`: the reader has what it wanted
        pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # a usage error like any other: the help says what there is to do
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would show the top level's usage: the command's is the one that helps
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except SitegenError as exc:
        print(f"error: {exc}" if not exc.problems else str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into a command that stopped reading
        return EXIT_FAILED
    except OSError as exc:  # a full disk, a file that cannot be read or written: the system's reason
        print(f"error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen", description="Static site generator for arXiv digest archives.",
        epilog="Start with `sitegen new mysite`; `sitegen COMMAND --help` describes a command.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], summary: str,
                description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=description)
        sub.set_defaults(run=run, command_parser=sub)
        return sub

    new = command("new", _new, "create a new site that builds at once",
                  "Create a site in FOLDER (a new or empty folder; nothing is ever overwritten): a commented "
                  "sitegen.yaml, a sample digest in content/, themes/ with a README on overriding the default "
                  "theme, netlify.toml, a GitHub Pages workflow and a .gitignore. Then `cd FOLDER && sitegen build`.")
    new.add_argument("folder", type=Path, metavar="FOLDER", help="where to create the site")

    check = command("check", _check, "read the digests and report problems",
                    "Read every digest and report its problems as file:line: message, with a summary; "
                    "nothing is written. Exits 1 with --strict (or strict: true) when there are problems.")
    check.add_argument("path", nargs="?", type=Path, help="content folder (same as --content)")
    _site_options(check, output=False, strict=True)

    build = command("build", _build, "build the site into the output folder",
                    "Build the site from the digests into the output folder, redoing only what changed "
                    "since the last build. Problems in the digests are reported and the bad entries skipped; "
                    "with --strict (or strict: true) any problem fails the build.")
    _site_options(build, output=True, strict=True)
    build.add_argument("--jobs", type=_positive, help="worker processes (default: one per core)")

    serve = command("serve", _serve, "preview the site in a browser, reloading as you edit",
                    "Serve a live preview: pages are rendered when asked for (nothing is written to the "
                    "output folder), and open pages follow every save of a digest, template, stylesheet or "
                    "sitegen.yaml. Ctrl-C stops it.")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    _site_options(serve, output=False, strict=False)

    command("config", _config, "list every configuration key with its default",
            "List every key sitegen.yaml may set, with its default and what it means.")
    return parser


def _site_options(command: argparse.ArgumentParser, output: bool, strict: bool) -> None:
    """The options that stand in for settings of sitegen.yaml, alike in every command that has them."""
    command.add_argument("--config", type=Path, metavar="FILE", help="configuration file (default: ./sitegen.yaml)")
    command.add_argument("--content", type=Path, metavar="DIR",
                         help="content folder (default: content_dir of the configuration)")
    if output:
        command.add_argument("--output", type=Path, metavar="DIR",
                             help="output folder (default: output_dir of the configuration)")
    if strict:
        command.add_argument("--strict", action="store_true", default=None, help="fail on any problem in the digests")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gives (folders made absolute: they are relative to
    the working folder, not to the configuration file)."""
    given = vars(args)
    folders = {"content_dir": given.get("content"), "output_dir": given.get("output")}
    overrides: dict[str, Any] = {key: str(path.resolve()) for key, path in folders.items() if path is not None}
    if given.get("strict") is not None:
        overrides["strict"] = given["strict"]
    return overrides


def _site_config(args: argparse.Namespace) -> Config:
    return load_config(args.config).with_changes(**_overrides(args))


def _new(args: argparse.Namespace) -> int:
    from .scaffold import new_site

    files = new_site(args.folder)
    print(f"created a site in {args.folder}:")
    for name in files:
        print(f"  {name}")
    print(f"next: cd {shlex.quote(str(args.folder))} && sitegen build   (or `sitegen serve` to preview it)")
    print(f"the default theme, to copy files from into themes/: {DEFAULT_THEME}")
    if (args.folder / "requirements.txt").read_text(encoding="utf-8").startswith("#"):
        print("to publish from Netlify or GitHub Pages: say in requirements.txt where they get sitegen")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    if args.path and args.content and args.path.resolve() != args.content.resolve():
        args.command_parser.error("give the content folder once: as PATH or with --content")
    args.content = args.content or args.path
    config = _site_config(args)
    content = config.content_path
    if not content.is_dir():
        raise UsageError(f"content folder not found: {content}")
    from .archive import build_archive  # imported where used: `sitegen build` starts sooner without it

    started = time.perf_counter()
    listing = list_content(content, config.category_overrides, ignore=config.ignore)
    reading = read_listed(listing)
    archive = build_archive(reading.digests)
    for line in [*map(str, reading.problems), *content_warnings(content, listing, reading)]:
        print(line)
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
    from .start import build_site  # light: the pipeline is imported only if something changed

    build_site(_site_config(args), jobs=args.jobs)
    return EXIT_OK


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    try:
        serve(args.config, args.host, args.port, overrides=_overrides(args))
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
