"""``python -m obeya``: the same as the ``obeya`` command."""

from obeya.cli import main

main()
