"""Hand-written billers for the benchmark workloads: what an engineer would write by hand for these
accounts, to compare planlang with. They import nothing from planlang and share no code with it (nor
with the exact, slower reference of the tests, tests/reference/): plain tables, integer arithmetic
where it is exact and Decimal for money.

Each module has `bill(account, periods)`: the account as JSON gives it (numbers as int or Decimal,
amounts with a unit as text such as "3000 MB"), and for each period, in order, a tuple
`(next_plan, total, lines)` with `lines` a tuple of `(item, amount)`, amounts Decimals in cents.
The exception is `soracom_csv`, whose output is a file: run as a script (`python
bench/reference/soracom_csv.py ACCOUNT YYYY-MM OUT.csv`), it writes the detailed billing CSV that
`planlang bill … --format csv` writes, byte for byte.
"""
