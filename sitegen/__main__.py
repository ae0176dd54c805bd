"""`python -m sitegen`: the `sitegen` command."""

from .cli import run

run()
