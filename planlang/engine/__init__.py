"""The interpreter: evaluates a compiled catalog against an account for a billing period."""

from planlang.engine.evaluate import bill_account, evaluate, evaluate_periods
from planlang.engine.prepare import prepare

__all__ = ["bill_account", "evaluate", "evaluate_periods", "prepare"]
