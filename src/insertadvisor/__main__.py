"""`python -m insertadvisor`."""

from insertadvisor.cli import main

main()
