"""report_gen: a district's ledger of organisations and a YAML config in, a Chinese survey report out.

The library entry points are :func:`report_gen.build` and :func:`report_gen.validate` (defined in
:mod:`report_gen.pipeline`); ``report-gen`` on the command line calls them.
"""

__version__ = "0.1.0"
