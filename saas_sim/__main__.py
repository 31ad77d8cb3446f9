"""``python -m saas_sim``: the command line."""

from saas_sim.cli import main

main()
