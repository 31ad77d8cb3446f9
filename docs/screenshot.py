"""Save the README's screenshot of ``saas-sim tui``: ``python docs/screenshot.py`` writes docs/tui.svg.

The app is built by the factory the command uses, on a fresh store, at a
fixed seed and size, and saves the SVG itself once the simulation is shown.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from saas_sim.store import Store
from tui.app import create_app

HERE = Path(__file__).resolve().parent


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "screenshot.db")
        app = create_app(store, str(HERE.parent / "scenarios" / "enterprise-annual.yaml"), seed=7)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(3):
                await pilot.pause(0.3)
                await app.workers.wait_for_complete()
            app.clear_notifications()
            await pilot.pause()
            app.save_screenshot("tui.svg", str(HERE))
    print(f"Wrote {HERE / 'tui.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
