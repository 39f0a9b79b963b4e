"""GS1 identifiers in their canonical GS1 Digital Link form, for the event hash (CBV 2.0).

The hash compares identifiers, not spellings: an EPC URI (``urn:epc:id:…``), an EPC class
URI (``urn:epc:class:lgtin:…``), an EPC pattern (``urn:epc:idpat:…``) and a Digital Link URI
on any domain all become one canonical ``https://id.gs1.org/…`` URI that keeps only the
finest level of identification. Anything else is returned unchanged.

The conversion follows the EPC Tag Data Standard: a URI's parts are the GS1 company prefix
and the reference that completes the key, a check digit is added where the key has one, and
serial parts keep their percent escapes while ``! ( ) * + , :`` are escaped as the Digital
Link syntax asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

DL_ROOT = "https://id.gs1.org"
_SERIAL = r"(?:%[0-9A-Fa-f]{2}|[!'()*+,.0-9:;=A-Za-z_-])+"
_ESCAPED = str.maketrans(
    {"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"}
)


def check_digit(digits: str) -> str:
    """The GS1 modulo-10 check digit of a key written without it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _keyed(digits: str) -> str:
    return digits + check_digit(digits)


def _escape(serial: str) -> str:
    return serial.translate(_ESCAPED)


def _gtin(prefix: str, indicator_and_item: str) -> str:
    return _keyed(indicator_and_item[:1] + prefix + indicator_and_item[1:])


def _numeric(prefix: str, reference: str, total: int) -> bool:
    return (
        prefix.isdigit()
        and 6 <= len(prefix) <= 12
        and (reference == "" or reference.isdigit())
        and len(prefix) + len(reference) == total
    )


# Each converter takes the dot-separated parts after the scheme and returns the Digital Link
# path, or None when the parts do not make a valid key.
_Converter = Callable[[list[str]], str | None]


def _sgtin(p: list[str]) -> str | None:
    if len(p) != 3 or not _numeric(p[0], p[1], 13) or not re.fullmatch(_SERIAL, p[2]):
        return None
    return f"/01/{_gtin(p[0], p[1])}/21/{_escape(p[2])}"


def _sscc(p: list[str]) -> str | None:
    if len(p) != 2 or not _numeric(p[0], p[1], 17):
        return None
    return f"/00/{_keyed(p[1][:1] + p[0] + p[1][1:])}"


def _sgln(p: list[str]) -> str | None:
    if len(p) != 3 or not _numeric(p[0], p[1], 12) or not re.fullmatch(_SERIAL, p[2]):
        return None
    gln = _keyed(p[0] + p[1])
    return f"/414/{gln}" if p[2] == "0" else f"/414/{gln}/254/{_escape(p[2])}"


def _grai(p: list[str]) -> str | None:
    if len(p) != 3 or not _numeric(p[0], p[1], 12) or not re.fullmatch(_SERIAL, p[2]):
        return None
    return f"/8003/{_keyed('0' + p[0] + p[1])}{_escape(p[2])}"


def _giai(p: list[str]) -> str | None:
    reference = ".".join(p[1:])
    if len(p) < 2 or not _numeric(p[0], "", len(p[0])) or not re.fullmatch(_SERIAL, reference):
        return None
    return f"/8004/{p[0]}{_escape(reference)}"


def _service(key: str) -> _Converter:
    def convert(p: list[str]) -> str | None:
        if len(p) != 2 or not _numeric(p[0], p[1], 17):
            return None
        return f"/{key}/{_keyed(p[0] + p[1])}"

    return convert


def _gdti(p: list[str]) -> str | None:
    if len(p) != 3 or not _numeric(p[0], p[1], 12) or not re.fullmatch(_SERIAL, p[2]):
        return None
    return f"/253/{_keyed(p[0] + p[1])}{_escape(p[2])}"


def _cpi(p: list[str]) -> str | None:
    if len(p) != 3 or not p[2].isdigit() or not _numeric(p[0], "", len(p[0])):
        return None
    return f"/8010/{_escape(p[0] + p[1])}/8011/{p[2]}"


def _sgcn(p: list[str]) -> str | None:
    if len(p) != 3 or not _numeric(p[0], p[1], 12) or not p[2].isdigit():
        return None
    return f"/255/{_keyed(p[0] + p[1])}{p[2]}"


def _ginc(p: list[str]) -> str | None:
    reference = ".".join(p[1:])
    if len(p) < 2 or not _numeric(p[0], "", len(p[0])) or not re.fullmatch(_SERIAL, reference):
        return None
    return f"/401/{p[0]}{_escape(reference)}"


def _gsin(p: list[str]) -> str | None:
    if len(p) != 2 or not _numeric(p[0], p[1], 16):
        return None
    return f"/402/{_keyed(p[0] + p[1])}"


def _itip(p: list[str]) -> str | None:
    if len(p) != 5 or not _numeric(p[0], p[1], 13) or not re.fullmatch(_SERIAL, p[4]):
        return None
    if not (re.fullmatch(r"\d\d", p[2]) and re.fullmatch(r"\d\d", p[3])):
        return None
    return f"/8006/{_gtin(p[0], p[1])}{p[2]}{p[3]}/21/{_escape(p[4])}"


def _upui(p: list[str]) -> str | None:
    reference = ".".join(p[2:])
    if len(p) < 3 or not _numeric(p[0], p[1], 13) or not re.fullmatch(_SERIAL, reference):
        return None
    return f"/01/{_gtin(p[0], p[1])}/235/{_escape(reference)}"


def _pgln(p: list[str]) -> str | None:
    if len(p) != 2 or not _numeric(p[0], p[1], 12):
        return None
    return f"/417/{_keyed(p[0] + p[1])}"


def _lgtin(p: list[str]) -> str | None:
    lot = ".".join(p[2:])
    if len(p) < 3 or not _numeric(p[0], p[1], 13) or not re.fullmatch(_SERIAL, lot):
        return None
    return f"/01/{_gtin(p[0], p[1])}/10/{_escape(lot)}"


def _class_of(path: str | None, qualifier: str) -> str | None:
    return None if path is None else path.split(qualifier)[0]


_IDS: dict[str, _Converter] = {
    "sgtin": _sgtin,
    "sscc": _sscc,
    "sgln": _sgln,
    "grai": _grai,
    "giai": _giai,
    "gsrn": _service("8018"),
    "gsrnp": _service("8017"),
    "gdti": _gdti,
    "cpi": _cpi,
    "sgcn": _sgcn,
    "ginc": _ginc,
    "gsin": _gsin,
    "itip": _itip,
    "upui": _upui,
    "pgln": _pgln,
}
_PATTERNS: dict[str, _Converter] = {
    "sgtin": lambda p: _class_of(_sgtin([*p[:-1], "X"]) if p[-1:] == ["*"] else None, "/21/"),
    "upui": lambda p: _class_of(_upui([*p[:-1], "X"]) if p[-1:] == ["*"] else None, "/235/"),
    "itip": lambda p: _class_of(_itip([*p[:-1], "X"]) if p[-1:] == ["*"] else None, "/21/"),
    "grai": lambda p: _strip_tail(_grai([*p[:-1], "X"]) if p[-1:] == ["*"] else None),
    "gdti": lambda p: _strip_tail(_gdti([*p[:-1], "X"]) if p[-1:] == ["*"] else None),
    "sgcn": lambda p: _strip_tail(_sgcn([*p[:-1], "0"]) if p[-1:] == ["*"] else None),
    "cpi": lambda p: _class_of(_cpi([*p[:-1], "0"]) if p[-1:] == ["*"] else None, "/8011/"),
}


def _strip_tail(path: str | None) -> str | None:
    """Drop the one-character serial a pattern was converted with."""
    return None if path is None else path[:-1]


def epc_to_digital_link(uri: str) -> str | None:
    """The canonical Digital Link URI of an EPC, EPC class or EPC pattern URI, or None."""
    match = re.fullmatch(r"urn:epc:(id|class|idpat):([a-z]+):(.+)", uri)
    if match is None:
        return None
    kind, scheme, body = match.groups()
    parts = body.split(".")
    if kind == "id":
        convert = _IDS.get(scheme)
    elif kind == "class":
        convert = _lgtin if scheme == "lgtin" else None
    else:
        convert = _PATTERNS.get(scheme)
    path = convert(parts) if convert else None
    return None if path is None else DL_ROOT + path


_SHORT_NAMES = {
    "gtin": "01",
    "itip": "8006",
    "cpid": "8010",
    "gln": "414",
    "party": "417",
    "gsrnp": "8017",
    "gsrn": "8018",
    "gcn": "255",
    "sscc": "00",
    "gdti": "253",
    "ginc": "401",
    "gsin": "402",
    "grai": "8003",
    "giai": "8004",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
}
_TEXT = "[\"'\\-.0-9;<=>?A-Z_a-z]"
# The primary keys, each with the pattern of its value and its qualifiers' patterns.
_KEYS: dict[str, tuple[str, dict[str, str]]] = {
    "00": (r"\d{18}", {}),
    "01": (
        r"\d{14}",
        {"21": f"{_TEXT}{{0,20}}", "10": f"{_TEXT}{{0,20}}", "235": f"{_TEXT}{{0,28}}"},
    ),
    "253": (rf"\d{{13}}{_TEXT}{{0,17}}", {}),
    "255": (r"\d{13}\d{0,12}", {}),
    "401": (f"{_TEXT}{{0,30}}", {}),
    "402": (r"\d{17}", {}),
    "414": (r"\d{13}", {"254": f"{_TEXT}{{0,20}}"}),
    "417": (r"\d{13}", {}),
    "8003": (rf"\d{{14}}{_TEXT}{{0,16}}", {}),
    "8004": (f"{_TEXT}{{0,30}}", {}),
    "8006": (r"\d{18}", {"21": f"{_TEXT}{{0,20}}", "10": f"{_TEXT}{{0,20}}"}),
    "8010": (r"[#\-/0-9A-Z]{0,30}", {"8011": r"\d{0,12}"}),
    "8017": (r"\d{18}", {}),
    "8018": (r"\d{18}", {}),
}


def _key_path(segments: list[str]) -> list[str] | None:
    """The path from the first primary key on, with short names replaced by AIs."""
    names = [_SHORT_NAMES.get(s, s) for s in segments]
    for index, name in enumerate(names):
        if name in _KEYS and index + 1 < len(names):
            rest = names[index:]
            return rest if len(rest) % 2 == 0 else None
    return None


def digital_link_to_canonical(uri: str) -> str | None:
    """The constrained canonical form of a GS1 Digital Link URI (any domain, no query string,
    only the finest key level), or None when ``uri`` is not a valid one."""
    match = re.fullmatch(r"https?://[^/?#]+(/[^?#]*)(?:\?[^#]*)?(?:#.*)?", uri)
    if match is None:
        return None
    path = _key_path([s for s in match.group(1).split("/") if s])
    if path is None:
        return None
    key, value = path[0], path[1]
    qualifiers = dict(zip(path[2::2], path[3::2], strict=True))
    if key == "01" and len(value) in (8, 12, 13) and value.isdigit():
        value = value.zfill(14)
    qualifiers.pop("22", None)
    if "21" in qualifiers:
        qualifiers.pop("10", None)
    value_pattern, allowed = _KEYS[key]
    if not re.fullmatch(value_pattern, value) or len(qualifiers) > 1:
        return None
    for name, text in qualifiers.items():
        if name not in allowed or not re.fullmatch(allowed[name], text):
            return None
    tail = "".join(f"/{name}/{text}" for name, text in qualifiers.items())
    return f"{DL_ROOT}/{key}/{value}{tail}"


def canonical_identifier(value: str) -> str | None:
    """The canonical Digital Link form of any GS1 identifier URI, or None."""
    if value.startswith("urn:epc:"):
        return epc_to_digital_link(value)
    if value.startswith(("http://", "https://")):
        return digital_link_to_canonical(value)
    return None
