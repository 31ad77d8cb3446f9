"""The engine's compiled extension (saas_sim/engine/_kernels.pyx), built by ``pip install``.

Everything else about the package is in pyproject.toml.  The extension is
compiled once, at install, so that no run ever waits for a compiler; see
docs/engine.md ("Compiled code") for why Cython.
"""

import hashlib
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCE = Path("saas_sim/engine/_kernels.pyx")

# The source's digest, compiled in: the package refuses an extension built from another source
# (an edited .pyx in a development checkout without `pip install -e .` again).
Path("saas_sim/engine/_kernels_digest.pxi").write_text(
    f'SOURCE_DIGEST = "{hashlib.sha256(SOURCE.read_bytes()).hexdigest()}"\n'
)

setup(
    ext_modules=cythonize(
        [
            Extension(
                "saas_sim.engine._kernels",
                [str(SOURCE)],
                include_dirs=[numpy.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                # No fused multiply-adds: the same products and sums, in the same order, on every machine.
                extra_compile_args=["-O3", "-march=native", "-ffp-contract=off"],
            )
        ],
        language_level=3,
        quiet=True,
    )
)
