"""Output writers: one module per format, all rendering the same composed :class:`Report`."""
