"""Realistic identifier formats with their check digits: RO/BG VAT numbers, RO POD and BG EIC codes."""

from __future__ import annotations

_RO_CUI_KEY = "753217532"
_EIC_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"


def ro_vat_number(body: int) -> str:
    """Romanian VAT code `RO` + CUI: up to 9 digits plus the mod-11 check digit (key 753217532)."""
    digits = str(body)
    if not 2 <= len(digits) <= 9:
        raise ValueError("a CUI body has 2 to 9 digits")
    padded = digits.rjust(9, "0")
    total = sum(int(d) * int(k) for d, k in zip(padded, _RO_CUI_KEY))
    check = total * 10 % 11
    return f"RO{digits}{0 if check == 10 else check}"


def bg_vat_number(body: int) -> str:
    """Bulgarian VAT code `BG` + 9-digit EIK (8 digits and the mod-11 check digit)."""
    digits = f"{body:08d}"
    if len(digits) != 8:
        raise ValueError("an EIK body has 8 digits")
    check = sum(int(d) * w for d, w in zip(digits, range(1, 9))) % 11
    if check == 10:
        check = sum(int(d) * w for d, w in zip(digits, range(3, 11))) % 11
        check = 0 if check == 10 else check
    return f"BG{digits}{check}"


def eic_check_character(code: str) -> str:
    """ENTSO-E EIC check character of a 15-character code body."""
    if len(code) != 15:
        raise ValueError("an EIC body has 15 characters")
    total = sum(_EIC_ALPHABET.index(c) * (16 - i) for i, c in enumerate(code))
    return _EIC_ALPHABET[36 - (total - 1) % 37]


def ro_pod(serial: int) -> str:
    """Romanian point-of-delivery code `RO005E5` + 8 digits."""
    return f"RO005E5{serial:08d}"


def bg_eic(area_digit: int, serial: int) -> str | None:
    """Bulgarian metering-point EIC `32Z` + area digit + 11 digits + check; None if the check would be `-`."""
    body = f"32Z{area_digit}{serial:011d}"
    check = eic_check_character(body)
    return None if check == "-" else body + check
