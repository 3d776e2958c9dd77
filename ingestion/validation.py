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


def trimmed_column(column: Column) -> str:
    """Name of the prepared column holding the field's text without surrounding blanks ('' when absent)."""
    return quote_identifier(f"_t_{column.name}")


def typed_column(column: Column) -> str:
    """Name of the prepared column holding the field cast to its raw type (NULL when empty or unparsable)."""
    return quote_identifier(f"_v_{column.name}")


def prepared_columns_sql(source: Source) -> str:
    """Select-list computing, once per row, each field's trimmed text and typed value.

    The rules and the load read these instead of trimming and casting again in every check.
    """
    parts = []
    for column in source.columns:
        text = f"coalesce(trim({quote_identifier(column.name)}), '')"
        parts.append(f"{text} AS {trimmed_column(column)}")
        cast_text = f"NULLIF({text}, '')" + (" || '-01'" if column.type == "month" else "")
        parts.append(f"TRY_CAST({cast_text} AS {column.sql_type}) AS {typed_column(column)}")
    return ",\n    ".join(parts)


def _shown(column: Column) -> str:
    """SQL for the value as shown in a message: quoted and cut to 60 characters."""
    return f"'''' || left({trimmed_column(column)}, 60) || ''''"


def _decimal_pattern(column: Column) -> str:
    return rf"^[+-]?\d+(\.\d{{1,{column.decimal_places}}})?$"


def column_rules(column: Column) -> list[Rule]:
    """The rules of one column, in the order they are checked."""
    value = trimmed_column(column)
    name = column.name
    present = f"({value} <> '')"
    rules: list[Rule] = [
        Rule(
            f"{present} AND (strpos({value}, chr(10)) > 0 OR strpos({value}, chr(13)) > 0)",
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
                f"OR {typed_column(column)} IS NULL)",
                "malformed_date",
                f"{sql_literal(name + ' ')} || {_shown(column)} || ' is not a valid date YYYY-MM-DD'",
            )
        )
    elif column.type == "month":
        rules.append(
            Rule(
                f"{present} AND (NOT regexp_full_match({value}, {sql_literal(ISO_MONTH)}) "
                f"OR {typed_column(column)} IS NULL)",
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
                f"OR {typed_column(column)} IS NULL)",
                "malformed_timestamp",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(" is not a valid ISO 8601 date-time with UTC offset"),
            )
        )
    if column.type in ("integer", "decimal"):
        rules.append(
            Rule(
                f"{present} AND {typed_column(column)} IS NULL",
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
                f"{present} AND {typed_column(column)} < {column.minimum}",
                code,
                f"{sql_literal(name + ' ')} || {_shown(column)} || {sql_literal(' ' + words)}",
            )
        )
    if column.maximum is not None:
        rules.append(
            Rule(
                f"{present} AND {typed_column(column)} > {column.maximum}",
                "above_maximum",
                f"{sql_literal(name + ' ')} || {_shown(column)} || "
                + sql_literal(f" is above the maximum {column.maximum:g}"),
            )
        )
    return rules


def cross_column_rule(source: Source, row_rule: RowRule) -> Rule:
    """A rule relating two columns of a row (checked after every column passed its own rules)."""
    columns = {column.name: column for column in source.columns}
    if isinstance(row_rule, NotBefore):
        earlier, later = columns[row_rule.earlier], columns[row_rule.later]
        return Rule(
            f"{typed_column(later)} < {typed_column(earlier)}",
            "inconsistent_row",
            f"{sql_literal(later.name + ' ')} || {_shown(later)} || "
            f"{sql_literal(' is before ' + earlier.name + ' ')} || {_shown(earlier)}",
        )
    if isinstance(row_rule, RequiredWhen):
        column, when = columns[row_rule.column], columns[row_rule.when_column]
        has_value = f"{trimmed_column(column)} <> ''"
        is_case = f"{trimmed_column(when)} = {sql_literal(row_rule.value)}"
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


def first_failure_sql(source: Source) -> tuple[str, str, str]:
    """SQL for the first rule a row breaks: (rule number, reason_code, reason); NULLs for a valid row.

    CASE evaluates conditions in order, so a later rule may assume earlier ones passed: a
    range check only runs once the number parsed. The conditions are evaluated once, into the
    rule number (`_rule`); code and message are looked up from it, so the message expressions
    only run for the few rows that fail.
    """
    rules = row_rules(source)
    number = "\n".join(f"    WHEN {rule.condition} THEN {index}" for index, rule in enumerate(rules, start=1))
    codes = "\n".join(f"    WHEN {index} THEN {sql_literal(rule.reason_code)}" for index, rule in enumerate(rules, start=1))
    messages = "\n".join(f"    WHEN {index} THEN {rule.message}" for index, rule in enumerate(rules, start=1))
    return f"CASE\n{number}\n    END", f"CASE _rule\n{codes}\n    END", f"CASE _rule\n{messages}\n    END"
