"""`python -m postprod` runs the CLI."""

from .cli import main

main()
