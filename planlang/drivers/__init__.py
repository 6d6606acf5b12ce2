"""The drivers: the command line, batch billing, scenario specs and the pytest plugin."""
