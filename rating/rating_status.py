"""Why a CDR was not rated: the reason codes, the texts of the seed's error table, and who gets notified.

The first seven reasons are Hubject Invoice Management's error table (seed 003) word for word;
`no_offer` and `ocpi_tariff_unusable` are situations the table does not name (no subscription
offer at all; an `ocpi_tariff` offer whose tariff is missing or cannot price the session), and
`repeat` marks a CDR id delivered again, which is never rated twice.
"""

from __future__ import annotations

RATED = "rated"
NOT_RATED = "not_rated"
REPEAT = "repeat"

REASONS: dict[str, str] = {
    "methodology_not_supported": "Only standard price possible",
    "product_id_missing": "The product ID is missing in the CDR",
    "product_id_unknown": "The product ID which was provided does not exist in the HBS",
    "session_below_validity": (
        "Session Duration was less than Charging Session Validity (Min) or the energy consumed was less than "
        "Charging Session Validity (kWh)"
    ),
    "currency_not_supported": "Currency is not supported.",
    "no_evse_data": "No EVSE Data is available",
    "tax_not_configured": "No tax configuration for this country, for this EMP, or for the price components configured",
    "no_offer": "No offer of the CPO to this EMP in this country is valid on the session's day",
    "offer_currency_mismatch": "The session's currency is not the currency of the offer",
    "ocpi_tariff_unusable": "The OCPI tariff of the offer is missing or cannot price this session",
    "repeat": "A CDR with this id was received before; a CDR is rated once",
}

HANDLING: dict[str, str] = {
    "methodology_not_supported": (
        "This pricing methodology is not supported. If you want to use Invoice Management, please adapt it to "
        "product pricing or standard pricing."
    ),
    "product_id_missing": "The CDR that has been successfully sent cannot be sent again. Please invoice the CDR separately.",
    "product_id_unknown": "The CDR that has been successfully sent cannot be sent again. Please invoice the CDR separately.",
    "session_below_validity": "No further actions.",
    "currency_not_supported": (
        "In addition to Euro, the solution supports Bulgarian Lev, Czech Koruna, Danish Krone, Norwegian Krone, "
        "Romanian Leu, Swedish Krona and Swiss Franc."
    ),
    "no_evse_data": (
        "The EVSE data transmitted in the CDR does not exist in the registry. Update the EVSE data to rate future CDRs "
        "on this charging point."
    ),
    "tax_not_configured": "Define the missing configuration for future CDRs and invoice the CDR in question separately.",
    "no_offer": "Agree an offer with the EMP for this country to rate future CDRs; invoice the CDR in question separately.",
    "offer_currency_mismatch": "Align the offer's currency with the sessions' or add an offer in this currency.",
    "ocpi_tariff_unusable": "Deliver the tariff (or correct it) to rate future CDRs; invoice the CDR in question separately.",
    "repeat": "No further actions: the first delivery of this CDR was rated.",
}

NOTIFY_CPO: frozenset[str] = frozenset({"tax_not_configured", "no_evse_data", "no_offer", "ocpi_tariff_unusable"})
"""Reasons that notify the CPO: the seed's "Yes to CPO" rows (tax, EVSE data) and the configuration gaps it does not name."""

SUPPORTED_CURRENCIES: frozenset[str] = frozenset({"EUR", "BGN", "CZK", "DKK", "NOK", "RON", "SEK", "CHF"})
