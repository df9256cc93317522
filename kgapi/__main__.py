"""`python -m kgapi` is the `kgapi` command."""

from kgapi.cli import app

app()
