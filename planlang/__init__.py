"""planlang: pricing rules as plan files, and the interpreter that bills accounts against them.

Load a catalog once, evaluate many accounts:

    catalog = planlang.load_catalog("catalogs/flespi.plan")
    account = planlang.load_account("examples/flespi-account.yaml", catalog)
    bill = planlang.evaluate(catalog, account, "2026-11")
"""

import importlib

# The public names, imported when first used (PEP 562): `planlang check` loads no engine.
_HOMES = {
    "compile_source": "planlang.compile", "load_catalog": "planlang.compile",
    "parse_catalog_text": "planlang.compile", "Diagnostic": "planlang.diagnostics",
    "PlanlangError": "planlang.diagnostics", "render": "planlang.diagnostics",
    "evaluate": "planlang.engine", "prepare": "planlang.engine",
    "load_account": "planlang.engine.load", "Catalog": "planlang.model",
    "Bill": "planlang.engine.results", "ChargeLine": "planlang.engine.results",
    "Decision": "planlang.engine.results", "Reason": "planlang.engine.results",
    "Step": "planlang.engine.results", "to_data": "planlang.engine.results",
    "Account": "planlang.inputs.account",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'planlang' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_HOMES))


__all__ = sorted(_HOMES)
