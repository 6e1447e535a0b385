"""`python -m gemeinsam` is the same as the `gemeinsam` command."""

from gemeinsam.cli import main

main()
