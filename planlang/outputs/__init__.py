"""Outputs: the bill table and the one writer of output files
(JSON Lines and CSV rows are written by the batch driver)."""
