"""The README's input-file section is the source contracts, rendered: it cannot drift from the code."""

from pathlib import Path

from ingestion.contract_docs import contracts_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_documents_the_current_file_contracts() -> None:
    assert contracts_markdown() in README.read_text(encoding="utf-8"), (
        "README input-file contracts are stale: regenerate with `voltbill contracts --update-readme`"
    )


def test_readme_documents_the_accounting_exchange_layout() -> None:
    """The accounting CSV is an interface other systems import: the README table lists its columns, in order."""
    from invoice_rendering.exports import ACCOUNTING_COLUMNS

    readme = README.read_text(encoding="utf-8")
    documented = [line.split("`")[1] for line in readme.splitlines() if line.startswith("| `") and line.count("|") == 3]
    names = [name for name, _ in ACCOUNTING_COLUMNS]
    start = documented.index(names[0])
    assert documented[start : start + len(names)] == names
    for name, description in ACCOUNTING_COLUMNS:
        assert f"| `{name}` | {description} |" in readme
