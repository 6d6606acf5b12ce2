"""Engine modules of the tier workload benchmark (`bench/tier.py`).

Each module is one row of the table (or, with an ``ENGINES`` list, several rows) and offers:

- ``NAME``: the row label;
- ``setup(accounts) -> state``: untimed; compile the rules, build tables, convert the input records
  into the engine's own input form if it has one;
- ``run(state) -> raw``: timed; evaluate every account, returning the engine's own outputs;
- ``pairs(raw) -> [(next_tier, charge)]``: untimed; what ``tier_workload.normalise`` reads (a charge
  in currency units, as anything whose ``str()`` is an exact decimal).

Optional: ``CORE`` (the language of the engine's core, e.g. ``"Rust"``), ``PACKAGE`` (the PyPI
requirement it needs, named when it is not installed) and ``SLOW`` (run only with ``--all``).
"""
