"""planlang: pricing rules as plan files, and the interpreter that bills accounts against them.

Load a catalog once, evaluate many accounts:

    catalog = planlang.load_catalog("catalogs/flespi.plan")
    account = planlang.load_account("examples/flespi-account.yaml", catalog)
    bill = planlang.evaluate(catalog, account, "2026-11")
"""

from planlang.compile import compile_source, load_catalog, parse_catalog_text
from planlang.diagnostics import Diagnostic, PlanlangError, render
from planlang.engine import evaluate, prepare
from planlang.inputs import load_account
from planlang.model import Catalog
from planlang.results import Bill, ChargeLine, Decision, Reason, Step, to_data
from planlang.state import Account

__all__ = [
    "Account", "Bill", "Catalog", "ChargeLine", "Decision", "Diagnostic", "PlanlangError",
    "Reason", "Step", "compile_source", "evaluate", "load_account", "load_catalog",
    "parse_catalog_text", "prepare", "render", "to_data",
]
