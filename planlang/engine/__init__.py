"""The interpreter: evaluates a compiled catalog against an account for a billing period."""

from planlang.engine.billing import bill_account
from planlang.engine.evaluate import evaluate, evaluate_periods
from planlang.engine.prepare import prepare

__all__ = ["bill_account", "evaluate", "evaluate_periods", "prepare"]
