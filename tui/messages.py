"""What screens hand back to the app (attributes down, messages and results up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from saas_sim.store import RevisionInfo


@dataclass(frozen=True)
class OpenScenario:
    """The browser's answer: edit this scenario text.

    ``action`` is "open" for a stored revision (``revision`` set, its text in
    ``text``) and "new" for a text not stored yet (from an example, or a
    duplicate under a new name): the editor opens it unsaved.  "import" is
    a file's text that is not a valid scenario yet: the editor opens it
    unsaved with its problems at the fields, and saving imports it.
    """

    action: Literal["open", "new", "import"]
    text: str
    revision: RevisionInfo | None = None
