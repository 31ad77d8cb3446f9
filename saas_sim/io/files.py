"""Reading an input file as text, with every failure a one-line :class:`InputError` naming the file."""

from __future__ import annotations

import os

from saas_sim.errors import InputError, Problem


def _size(limit: int) -> str:
    return f"{limit // 1_000_000_000} GB" if limit >= 1_000_000_000 else f"{limit // 1_000_000} MB"


def read_text(path: str | os.PathLike[str], *, kind: str, max_bytes: int) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark dropped).

    ``kind`` names what the file should be ("scenario file", "ledger") in
    the messages: missing, a directory, unreadable, larger than
    ``max_bytes``, or not UTF-8 (with the line of the first bad byte).
    """
    source = os.fsdecode(path)

    def refuse(message: str, line: int | None = None) -> InputError:
        return InputError([Problem(source, line, "", message)])

    try:
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise refuse("no such file") from None
    except IsADirectoryError:
        raise refuse(f"is a directory, not a {kind}") from None
    except PermissionError:
        raise refuse("cannot be read: permission denied") from None
    except OSError as error:
        raise refuse(f"cannot be read: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise refuse(f"is larger than {_size(max_bytes)}, too large for a {kind}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(f"is not UTF-8 text (byte {error.start})", data.count(b"\n", 0, error.start) + 1) from None
