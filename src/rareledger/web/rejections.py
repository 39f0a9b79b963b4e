"""The short names of the rejection rules (``domain.catalogue.REJECTION_CODES``) on screen.

A page that shows why a record was refused shows the rule's name in the reader's language
first, then the rule's English detail (marked ``lang="en"``), then the stable code, which is
what the API, the JSON and CSV twins and the documentation (docs/events.md) use. The Chinese
names are in the Chinese catalogue; a test checks that every code has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from rareledger.web.i18n import N_, gettext

REJECTION_NAMES: dict[str, str] = {
    "malformed_json": N_("not JSON"),
    "type": N_("wrong kind of value"),
    "required": N_("required field missing"),
    "empty": N_("empty field or list"),
    "unknown_field": N_("field the reporting rules do not know"),
    "unknown_type": N_("unknown record type"),
    "invalid": N_("record could not be read"),
    "invalid_identifier": N_("invalid id"),
    "invalid_time": N_("invalid time"),
    "out_of_range": N_("number out of range"),
    "unknown_element": N_("not a rare earth element"),
    "unknown_form": N_("unknown material form"),
    "form_not_allowed": N_("form not allowed here"),
    "unknown_process": N_("unknown process"),
    "unknown_country": N_("unknown country code"),
    "unknown_currency": N_("unknown currency code"),
    "unknown_role": N_("unknown enterprise role"),
    "unknown_status": N_("unknown enterprise status"),
    "unknown_kind": N_("unknown facility or quota kind"),
    "unknown_reason": N_("unknown adjustment reason"),
    "mass_not_positive": N_("mass must be above zero"),
    "mass_zero": N_("adjustment of zero"),
    "mass_precision": N_("mass more precise than a gram"),
    "mass_too_large": N_("mass too large for one record"),
    "amount_negative": N_("negative amount of money"),
    "composition_range": N_("mass fraction outside 0 to 1"),
    "composition_sum": N_("mass fractions add up to more than 1"),
    "duplicate_lot": N_("same lot listed twice"),
    "recorded_at_not_allowed": N_("recording time is set by the system"),
    "unknown_enterprise": N_("unregistered enterprise"),
    "reporter_mismatch": N_("reporting as another enterprise"),
    "not_permitted": N_("enterprises may not change master data"),
    "role_not_permitted": N_("the reporter's roles may not report this event"),
    "unknown_facility": N_("unregistered facility"),
    "facility_not_reporters": N_("facility of another enterprise"),
    "extraction_not_at_mine": N_("extraction not at one of your mines"),
    "lot_exists": N_("lot already exists"),
    "unknown_lot": N_("no such lot"),
    "unknown_shipment": N_("no such shipment"),
    "receipt_not_buyer": N_("receipt by someone other than the buyer"),
    "shipment_already_received": N_("shipment already received"),
    "item_not_in_shipment": N_("lot not in the shipment"),
    "unknown_event": N_("event to correct does not exist"),
    "already_retracted": N_("event already retracted"),
    "correction_not_reporter": N_("correction by someone other than the reporter"),
    "correction_of_correction": N_("correction of a correction"),
    "shipment_received": N_("shipment already received by its buyer"),
    "replacement_type": N_("replacement is not a plain event"),
    "replacement_reporter": N_("replacement reported by someone else"),
    "occurred_in_future": N_("time in the future"),
    "event_id_conflict": N_("event id already used for another event"),
    "too_deep": N_("nested too deeply"),
    "too_many_items": N_("too many entries"),
    "text_too_long": N_("text too long"),
    "invalid_text": N_("invalid characters in text"),
    "record_too_large": N_("record too large"),
    "decimal_format": N_("number in exponent notation"),
    "decimal_digits": N_("number with too many digits"),
    "buyer_is_reporter": N_("selling to yourself"),
    "lot_not_held": N_("lot never held by the reporter"),
    "invalid_date": N_("invalid date"),
    "date_order": N_("end date before start date"),
    "unknown_licence_type": N_("unknown licence type"),
    "unknown_decision": N_("unknown decision"),
    "not_for_decision": N_("licence details on a decision that is not an approval"),
    "invalid_transition": N_("step not allowed at this stage of the application"),
    "unknown_application": N_("no such licence application"),
    "application_not_applicants": N_("resubmission by someone other than the applicant"),
    "items_mismatch": N_("approved items differ from the application"),
    "quantity_exceeds_application": N_("more approved than applied for"),
    "licence_exists": N_("licence number already in use"),
    "validity_too_long": N_("validity too long"),
    "not_correctable": N_("customs decisions cannot be corrected"),
    "already_released": N_("declaration already released"),
    "invalid_event_hash": N_("invalid EPCIS event hash"),
    "event_hash_mismatch": N_("event id does not match its hash"),
    "unknown_identifier": N_("unknown EPCIS identifier"),
    "unit": N_("quantity not in kilograms"),
    "not_in_vocabulary": N_("EPCIS event of no known kind"),
    "one_lot": N_("adjustment must name exactly one lot"),
    "not_an_output": N_("lot master data for a lot the event does not make"),
    "not_representable": N_("EPCIS event the ledger cannot record faithfully"),
    "declared_event_unknown": N_("error declaration for an unknown event"),
    "epcis_duplicate": N_("EPCIS event already stored"),
    "invalid_event": N_("EPCIS event breaks the standard"),
    "rolled_back": N_("not captured: another event of the document was rejected"),
}


def _part(error: Any, name: str) -> Any:
    return error.get(name) if isinstance(error, Mapping) else getattr(error, name, None)


def shown(error: Any, *, value: bool = False) -> Markup:
    """A rejection as HTML: the rule's name, its English detail, its code (and the value
    refused, if asked); any other problem (a plain text) as itself."""
    code = _part(error, "code")
    if not code:
        return escape(str(error))
    name = REJECTION_NAMES.get(str(code))
    parts = [Markup('<span class="rule">{}</span>').format(gettext(name))] if name else []
    message = _part(error, "message")
    if message:
        parts.append(Markup('<span class="detail" lang="en">{}</span>').format(message))
    refused = _part(error, "value") if value else None
    code_text = f"{code}: {refused}" if refused is not None else str(code)
    parts.append(Markup('<span class="mono">({})</span>').format(code_text))
    return Markup(" ").join(parts)
