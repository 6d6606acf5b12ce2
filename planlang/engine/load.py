"""Loading input files (accounts, scenarios) into checked values with located diagnostics."""

from __future__ import annotations

from pathlib import Path

from planlang.compile import read_source
from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.engine.prepare import Prepared, prepare
from planlang.inputs.account import Account
from planlang.inputs.convert import located, structure
from planlang.inputs.documents import Document, load_text
from planlang.model import Catalog
from planlang.money import exact


@exact
def load_data(path: str | Path) -> Document:
    """Read and parse a YAML or JSON file, or raise PlanlangError saying where it went wrong."""
    source = read_source(path)
    if isinstance(source, Diagnostic):
        raise PlanlangError([source])
    return load_text(source)


@exact
def account_from(document: Document, catalog: Catalog, prefix: tuple = (), data=None) -> Prepared:
    """Structure an account (at `prefix` in the document) and check it against the catalog."""
    account = structure(document, Account, prefix, data)
    prepared, problems = prepare(catalog, account)
    if prepared is None:
        raise PlanlangError([located(document, prefix + p.path, p.code, p.message, p.help,
                                     p.on_key) for p in problems])
    return prepared


@exact
def load_account(path: str | Path, catalog: Catalog) -> Prepared:
    return account_from(load_data(path), catalog)
