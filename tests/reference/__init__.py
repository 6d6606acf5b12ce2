"""Independent reference billers for the five catalogs: flespi, edge-device, coediting,
soracom-flux and soracom-air.

Written from the seeds (shared/seeds/000 to 004), PRODUCT.md and docs/language.md and
docs/accounts.md only: it shares no code with planlang and imports nothing from it. The price
tables are hard-coded below as plain Python data; all arithmetic is exact (fractions and decimals).

Each biller takes an account as plain data (the dict an account YAML file holds) and returns, per
period, a dict: ``period``, ``plan``, ``next_plan``, ``total`` (a Decimal string with two decimals)
and ``lines``, a list of ``(item, amount)`` with the amount a Decimal string with two decimals;
the coediting and soracom-flux billers add ``decisions``, a list of tuples (see each module);
soracom-air's lines are its records, ``(date, item, subject, quantity, amount)``.
"""

from . import coediting, edge_device, flespi, soracom_air, soracom_flux
from .common import money

__all__ = ["coediting", "edge_device", "flespi", "money", "soracom_air",
           "soracom_flux"]
