"""SQL that checks every text field of a staged file against its source contract.

The loader reads a file as text columns, then evaluates, per row, the first rule it breaks.
Each rule yields a machine-readable `reason_code` and a sentence that names the column and
the offending value, so a person can fix the file without reading code. The same contract
gives the typed cast used to load the rows that pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.sources import Column, NotBefore, RequiredWhen, RowRule, Source

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_MONTH = r"^\d{4}-\d{2}$"
ISO_INSTANT = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$"
ISO_LOCAL_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
WHOLE_NUMBER = r"^[+-]?\d+$"
PLAIN_NUMBER = r"^[+-]?\d+(\.\d+)?$"


@dataclass(frozen=True)
class Rule:
    """A condition that makes a row invalid, with the code and message it produces (SQL expressions)."""

    condition: str
    reason_code: str
    message: str


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value(column: Column) -> str:
    return f"trim({quote_identifier(column.name)})"


def _shown(column: Column) -> str:
    """SQL for the value as shown in a message: quoted and cut to 60 characters."""
    return f"'''' || left({_value(column)}, 60) || ''''"


def _decimal_pattern(column: Column) -> str:
    return rf"^[+-]?\d+(\.\d{{1,{column.decimal_places}}})?$"


def column_rules(column: Column) -> list[Rule]:
    """The rules of one column, in the order they are checked."""
    value = _value(column)
    name = column.name
    present = f"({quote_identifier(name)} IS NOT NULL AND {value} <> '')"
    rules: list[Rule] = [
        Rule(
            f"{present} AND regexp_matches({quote_identifier(name)}, '[\\r\\n]')",
            "line_break_in_field",
            sql_literal(
                f"{name} contains a line break inside quotes; records must be on one line "
                "(line numbers reported after this record in the same file are off by its extra lines)"
            ),
        )
    ]
    if column.required:
        rules.append(Rule(f"NOT {present}", "missing_value", sql_literal(f"{name} is empty but required")))
    if column.type == "integer":
        rules.append(
            Rule(
                f"{present} AND NOT regexp_full_match({value}, {sql_literal(WHOLE_NUMBER)})",
                "malformed_number",
                f"{sql_literal(name + ' ')} || {_shown(column)} || ' is not a whole number'",
            )
        )
    elif column.type == "decimal":
        rules.append(
            Rule(
                f"{present} AND NOT regexp_full_match({value}, {sql_literal(PLAIN_NUMBER)})",
                "malformed_number",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(" is not a number (use '.' as decimal separator, no thousands separator)"),
            )
        )
        rules.append(
            Rule(
                f"{present} AND NOT regexp_full_match({value}, {sql_literal(_decimal_pattern(column))})",
                "malformed_number",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(f" has more than {column.decimal_places} decimals; it would have to be rounded"),
            )
        )
    elif column.type == "date":
        rules.append(
            Rule(
                f"{present} AND (NOT regexp_full_match({value}, {sql_literal(ISO_DATE)}) "
                f"OR TRY_CAST({value} AS DATE) IS NULL)",
                "malformed_date",
                f"{sql_literal(name + ' ')} || {_shown(column)} || ' is not a valid date YYYY-MM-DD'",
            )
        )
    elif column.type == "month":
        rules.append(
            Rule(
                f"{present} AND (NOT regexp_full_match({value}, {sql_literal(ISO_MONTH)}) "
                f"OR TRY_CAST({value} || '-01' AS DATE) IS NULL)",
                "malformed_date",
                f"{sql_literal(name + ' ')} || {_shown(column)} || ' is not a valid month YYYY-MM'",
            )
        )
    elif column.type == "timestamptz":
        rules.append(
            Rule(
                f"{present} AND regexp_full_match({value}, {sql_literal(ISO_LOCAL_DATETIME)})",
                "malformed_timestamp",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(" has no UTC offset; local times are ambiguous on daylight-saving days"),
            )
        )
        rules.append(
            Rule(
                f"{present} AND (NOT regexp_full_match({value}, {sql_literal(ISO_INSTANT)}) "
                f"OR TRY_CAST({value} AS TIMESTAMPTZ) IS NULL)",
                "malformed_timestamp",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(" is not a valid ISO 8601 date-time with UTC offset"),
            )
        )
    if column.type in ("integer", "decimal"):
        rules.append(
            Rule(
                f"{present} AND {try_typed_value(column)} IS NULL",
                "out_of_range",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(f" is too large for the column ({column.sql_type})"),
            )
        )
    if column.allowed is not None:
        allowed_list = ", ".join(sql_literal(option) for option in column.allowed)
        rules.append(
            Rule(
                f"{present} AND {value} NOT IN ({allowed_list})",
                "not_allowed_value",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(" is not one of: " + ", ".join(column.allowed)),
            )
        )
    if column.minimum is not None:
        code = "negative_value" if column.minimum == 0 else "below_minimum"
        words = "is negative" if column.minimum == 0 else f"is below the minimum {column.minimum:g}"
        rules.append(
            Rule(
                f"{present} AND {try_typed_value(column)} < {column.minimum}",
                code,
                f"{sql_literal(name + ' ')} || {_shown(column)} || {sql_literal(' ' + words)}",
            )
        )
    if column.maximum is not None:
        rules.append(
            Rule(
                f"{present} AND {try_typed_value(column)} > {column.maximum}",
                "above_maximum",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(f" is above the maximum {column.maximum:g}"),
            )
        )
    return rules


def typed_value(column: Column, cast: str = "CAST") -> str:
    """SQL casting the (already validated) text of `column` to its raw-table type; NULL when empty."""
    text = f"NULLIF({_value(column)}, '')"
    if column.type == "month":
        text = f"{text} || '-01'"
    return f"{cast}({text} AS {column.sql_type})"


def try_typed_value(column: Column) -> str:
    """Like `typed_value` but NULL instead of an error for text that does not parse."""
    return typed_value(column, cast="TRY_CAST")


def cross_column_rule(source: Source, row_rule: RowRule) -> Rule:
    """A rule relating two columns of a row (checked after every column passed its own rules)."""
    columns = {column.name: column for column in source.columns}
    if isinstance(row_rule, NotBefore):
        earlier, later = columns[row_rule.earlier], columns[row_rule.later]
        return Rule(
            f"{try_typed_value(later)} < {try_typed_value(earlier)}",
            "inconsistent_row",
            f"{sql_literal(later.name + ' ')} || {_shown(later)} || "
            f"{sql_literal(' is before ' + earlier.name + ' ')} || {_shown(earlier)}",
        )
    if isinstance(row_rule, RequiredWhen):
        column, when = columns[row_rule.column], columns[row_rule.when_column]
        has_value = f"coalesce({_value(column)}, '') <> ''"
        is_case = f"{_value(when)} = {sql_literal(row_rule.value)}"
        return Rule(
            f"({is_case}) <> ({has_value})",
            "inconsistent_row",
            f"CASE WHEN {is_case} THEN "
            + sql_literal(f"{column.name} is required when {when.name} is '{row_rule.value}'")
            + f" ELSE {sql_literal(column.name + ' must be empty when ' + when.name + ' is ')} || {_shown(when)} END",
        )
    raise TypeError(f"unknown row rule {row_rule!r}")


def row_rules(source: Source) -> list[Rule]:
    """All rules of a source: column by column in contract order, then the rules across columns."""
    rules = [rule for column in source.columns for rule in column_rules(column)]
    return rules + [cross_column_rule(source, row_rule) for row_rule in source.row_rules]


def first_failure_sql(source: Source) -> tuple[str, str]:
    """(reason_code, reason) SQL expressions giving the first rule a row breaks, or NULL for a valid row.

    CASE evaluates conditions in order, so a later rule may assume earlier ones passed: a
    range check only runs once the number parsed.
    """
    rules = row_rules(source)
    codes = "\n".join(f"    WHEN {rule.condition} THEN {sql_literal(rule.reason_code)}" for rule in rules)
    messages = "\n".join(f"    WHEN {rule.condition} THEN {rule.message}" for rule in rules)
    return f"CASE\n{codes}\n    END", f"CASE\n{messages}\n    END"
