"""Errors that know how to show themselves to a person, and the exit code they mean."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Problem:
    """Something wrong in an input file, located precisely enough to fix it."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class SitegenError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()):
        super().__init__(message)
        self.message = message
        self.problems = problems

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(self.message)
        return "\n".join(lines)


class UsageError(SitegenError):
    """Bad command-line arguments, a missing path or an invalid configuration."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """`sitegen.yaml` cannot be used as it is."""


class BuildError(SitegenError):
    """A stage of the build failed (template error, unwritable output, strict problems)."""
