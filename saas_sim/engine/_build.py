"""The compiled extension, checked against its source before any number comes from it.

``pip install`` compiles ``_kernels.pyx`` into ``_kernels.*.so``.  In a
development checkout (``pip install -e .``) the source can change after the
build; the extension then no longer is the code on disk, and a run would
mix the two silently.  The build compiles the source's SHA-256 into the
extension (``SOURCE_DIGEST``); where the source is present, it must match.
Reading and hashing the 30 kB source costs about 0.1 ms.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from saas_sim.errors import EngineNotBuilt

try:
    from saas_sim.engine import _kernels as kernels
except ImportError as error:  # pragma: no cover - the package was installed without its build step
    raise EngineNotBuilt(
        f"saas-sim's compiled engine is missing ({error}): install saas-sim with pip "
        "(in a checkout: pip install -e .), which compiles it"
    ) from None

SOURCE = Path(__file__).with_name("_kernels.pyx")


def source_changed(source: Path = SOURCE, digest: str = kernels.SOURCE_DIGEST) -> bool:
    """Whether ``source`` exists and is not the text the extension was compiled from."""
    try:
        text = source.read_bytes()
    except OSError:  # an installed wheel carries no source: nothing to compare
        return False
    return hashlib.sha256(text).hexdigest() != digest


if source_changed():
    raise EngineNotBuilt(
        f"{SOURCE} changed since saas-sim's compiled engine was built: run pip install -e . again to rebuild it"
    )

__all__ = ["kernels", "source_changed"]
