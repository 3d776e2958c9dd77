"""A draft document as JSON and back, exactly: what `billing.invoice_documents.document_json` stores.

Numbers are written as decimal strings (never JSON numbers, which readers parse as binary floats), so
`draft_from_json(draft_to_json(d)) == d` for every draft: lines, prepaid VAT groups, references and note.
The totals are not stored: they are recomputed from the lines and prepaid groups, which `DraftInvoice`
checks anyway.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from billing.invoice_math import InvoiceLine, VatCategory
from billing.invoice_types import DraftInvoice, InvoiceKind, VatGroupAmounts, sum_groups
from billing.money import exact_sum
from billing.invoice_math import compute_totals

FORMAT_VERSION = 1


def _line(line: InvoiceLine) -> dict[str, str]:
    return {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "vat_category": line.vat_category.value,
        "vat_rate_pct": str(line.vat_rate_pct),
    }


def _group(group: VatGroupAmounts) -> dict[str, str]:
    return {
        "vat_category": group.vat_category.value,
        "vat_rate_pct": str(group.vat_rate_pct),
        "taxable_amount": str(group.taxable_amount),
        "vat_amount": str(group.vat_amount),
    }


def draft_to_json(draft: DraftInvoice) -> str:
    """The draft as canonical JSON text (keys sorted, decimals as strings)."""
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "invoice_key": draft.invoice_key,
        "invoice_type": draft.invoice_type.value,
        "contract_id": draft.contract_id,
        "customer_id": draft.customer_id,
        "month": draft.month,
        "currency": draft.currency,
        "lines": [_line(line) for line in draft.lines],
        "prepaid_groups": [_group(group) for group in draft.prepaid_groups],
        "prepaid_invoice_refs": list(draft.prepaid_invoice_refs),
        "corrects_invoice_number": draft.corrects_invoice_number,
        "note": draft.note,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def draft_from_json(text: str) -> DraftInvoice:
    """The draft `draft_to_json` wrote (ValueError for another format version)."""
    document = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    version = document.get("format_version")
    if not isinstance(version, Decimal) or str(version) != str(FORMAT_VERSION):  # the JSON integer 1: not true, 1.0 or "1"
        raise ValueError(f"document_json has format_version {version!r}; this code reads {FORMAT_VERSION}")
    lines = tuple(
        InvoiceLine(
            item["description"], Decimal(item["quantity"]), item["unit"], Decimal(item["unit_price"]),
            VatCategory(item["vat_category"]), Decimal(item["vat_rate_pct"]),
        )
        for item in document["lines"]
    )
    groups = sum_groups(
        [
            VatGroupAmounts(VatCategory(item["vat_category"]), Decimal(item["vat_rate_pct"]), Decimal(item["taxable_amount"]), Decimal(item["vat_amount"]))
            for item in document["prepaid_groups"]
        ]
    )
    prepaid = exact_sum(group.total for group in groups)
    return DraftInvoice(
        invoice_key=document["invoice_key"],
        invoice_type=InvoiceKind(document["invoice_type"]),
        contract_id=document["contract_id"],
        customer_id=document["customer_id"],
        month=document["month"],
        currency=document["currency"],
        lines=lines,
        totals=compute_totals(lines, prepaid=prepaid),
        corrects_invoice_number=document["corrects_invoice_number"],
        prepaid_groups=groups,
        prepaid_invoice_refs=tuple(document["prepaid_invoice_refs"]),
        note=document["note"],
    )
