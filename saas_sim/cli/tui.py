"""``saas-sim tui``: the Textual application (imported only when this command runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from saas_sim.cli.options import DbOption
from saas_sim.cli.store import open_store


def tui_command(
    *,
    file_or_name: Annotated[
        str | None,
        typer.Argument(
            metavar="[FILE_OR_NAME]",
            show_default=False,
            help="A scenario YAML file (imported into the store) or a stored scenario's name (NAME@REV for an older"
            " revision). Default: the scenario saved last, or the starter example in a new store.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Edit a scenario and watch ARR, cash and the diagnosis move (the Textual app)."""
    from pathlib import Path

    import platformdirs

    from saas_sim.cli.boundary import invalid_input
    from saas_sim.cli.run import SCENARIO_SUFFIXES
    from tui.app import create_app

    if (
        file_or_name is not None
        and not Path(file_or_name).exists()
        and Path(file_or_name).suffix.lower() in SCENARIO_SUFFIXES
    ):
        raise invalid_input(f"no such scenario file: {file_or_name}")  # as run says it
    store = open_store(db)
    app = create_app(store, file_or_name, keymap_folder=Path(platformdirs.user_config_dir("saas-sim", appauthor=False)))
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)
