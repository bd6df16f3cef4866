"""report_gen: a district's ledger of organisations and a YAML config in, a Chinese survey report out.

The library entry points are :func:`report_gen.build` and :func:`report_gen.validate` (defined in
:mod:`report_gen.pipeline`); ``report-gen`` on the command line calls them.
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "build", "validate"]


def __getattr__(name: str) -> Any:
    """``report_gen.build`` and ``report_gen.validate``, imported on first use: they load pandas
    and matplotlib, which ``report-gen --help`` and ``report-gen doctor`` do without."""
    if name in ("build", "validate"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'report_gen' has no attribute {name!r}")
