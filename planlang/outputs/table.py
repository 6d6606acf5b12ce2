"""Printing a bill for people: the table, the explanation of each line and decision."""

from __future__ import annotations

from planlang.diagnostics import escape
from planlang.engine.results import Bill, Decision
from planlang.money import exact, format_money, format_number


@exact
def bill_table(bill: Bill, catalog_name: str, explain: bool = False) -> str:
    """The bill as a table. Names come from account files: every cell and line goes through
    `escape`, so an escape sequence in an account or plan name is shown, never obeyed."""
    money = lambda v: format_money(v, bill.currency)  # noqa: E731
    daily = any(line.date for line in bill.lines)  # daily records: by date and subscriber
    rows: list[tuple[str, ...]]
    if daily:
        rows = [("date", "item", "subject", "quantity", "unit price", "amount", "rule")]
        rows += [(line.date or "", line.item, line.subject or "", format_number(line.quantity),
                  money(line.unit_price), money(line.amount), str(line.rule))
                 for line in bill.lines]
        right = {4, 5}
    else:
        rows = [("item", "plan", "quantity", "unit price", "amount", "rule")]
        rows += [(line.item, line.plan, f"{format_number(line.quantity)} × {line.unit}",
                  money(line.unit_price), money(line.amount), str(line.rule))
                 for line in bill.lines]
        right = {3, 4}
    rows = [tuple(escape(cell) for cell in r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    heading = (f"{catalog_name} · account {bill.account}" + (f" · plan {bill.plan}" if bill.plan
                                                              else "")
               + f" · period {bill.period} · {bill.currency}")
    out = [heading, ""]

    def row(r):
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)]
        return ("  " + "  ".join(cells)).rstrip()

    out.append(row(rows[0]))
    for line, r in zip(bill.lines, rows[1:], strict=False):
        out.append(row(r))
        if explain and line.steps:
            out += _steps(line.steps, f"{line.rule} {line.rule.text}")
        elif explain:
            out.append(f"      rule  {line.rule} {line.rule.text}")
    total_width = sum(widths[:-1]) + 2 * (len(widths) - 2)
    out.append("  " + "total".ljust(total_width - len(money(bill.total))) + money(bill.total))
    if bill.next_plan is not None and bill.next_plan != bill.plan:
        out.append(f"  next period on plan {bill.next_plan}")
    if bill.decisions:
        out += ["", "decisions"]
        for decision in bill.decisions:
            out += _decision(decision, explain)
    if bill.messages:
        out += ["", "billing messages"]
        for message in bill.messages:
            out += _decision(message, explain)
    for note in bill.notes:
        out.append(f"note: {note}")
    return "\n".join(escape(line) for line in out)


def _steps(steps, rule: str) -> list[str]:
    width = max((len(s.label) for s in steps), default=0)
    lines = [f"      {s.label.ljust(width)}  {s.value}" for s in steps]
    return lines + [f"      {'rule'.ljust(width)}  {rule}"]


def _decision(d: Decision, explain: bool) -> list[str]:
    head = f"  {d.date.isoformat()}  {d.kind} {d.subject}: {d.outcome}"
    if d.lowest_plan:
        head += f" (lowest plan that allows it: {d.lowest_plan})"
    out = [head]
    for reason in d.reasons:
        out.append(f"      {reason.code}: {reason.message}")
    if explain:
        out += _steps(d.steps, f"{d.rule} {d.rule.text}" if d.rule else "—")
    elif d.rule:
        out.append(f"      rule: {d.rule}")
    return out
