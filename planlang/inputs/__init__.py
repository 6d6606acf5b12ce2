"""Inputs: account and scenario documents, the one converter, the account's data."""
