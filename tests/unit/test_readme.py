"""The README's input-file section is the source contracts, rendered: it cannot drift from the code."""

from pathlib import Path

from ingestion.contract_docs import contracts_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_documents_the_current_file_contracts() -> None:
    assert contracts_markdown() in README.read_text(encoding="utf-8"), (
        "README input-file contracts are stale: regenerate with `voltbill contracts --update-readme`"
    )
