"""``report-gen serve``: a local web page for the whole job, for people who work in Word and Excel.

Pick or create a district, upload its ledgers, read every problem in a table, fill in the
narrative, build, preview and download. :mod:`.workspace` knows the files (configs found in the
workspace, uploads under generated names, per-district state), :mod:`.narrative` edits the
district config keeping its comments, :mod:`.jobs` runs validation and builds in worker
processes, and :mod:`.app` is the Starlette application with its safety checks.
"""
