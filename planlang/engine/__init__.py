"""The interpreter: evaluates a compiled catalog against an account for a billing period."""

from planlang.engine.evaluate import evaluate, prepare

__all__ = ["evaluate", "prepare"]
