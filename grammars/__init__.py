"""The planlang grammar, shipped inside the package (mapped from grammars/ at build time)."""
