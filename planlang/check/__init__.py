"""The checker: a syntax tree checked into the model (a `Catalog`), or located diagnostics."""
