"""Read the EPCIS 2.0 XML binding into the same JSON-LD events as the JSON binding.

Parsing goes through defusedxml: a document type declaration, an entity or an external
reference is refused before anything is expanded (no billion laughs, no file or network
access). Standard elements become the JSON binding's fields (lists, attributes and all);
elements in other namespaces become extension fields named ``prefix:local`` with the
document's own prefixes. The EPCIS 1.x ``extension`` wrappers are looked through.
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from rareledger.formats.epcis.documents import Document, DocumentError
from rareledger.formats.epcis.hashing import EpcisEvent
from rareledger.formats.epcis.vocabulary import STANDARD_PREFIXES

EPCIS_NAMESPACES = frozenset(
    {"urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis-query:xsd:2", "urn:epcglobal:epcis:xsd:1"}
)
WRAPPERS = frozenset({"extension", "baseExtension"})
ID_LISTS = frozenset({"epcList", "inputEPCList", "outputEPCList", "childEPCs"})
QUANTITY_LISTS = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
PARTY_LISTS = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
NUMERIC = frozenset(
    {"quantity", "value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
)
SCHEMES = frozenset({"http", "https", "urn", "ni", "geo", "mailto", "tel"})


def _split(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _number(text: str) -> Decimal | str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return value if value.is_finite() else text


class _Reader:
    """Converts one parsed XML document, naming namespaces with the document's prefixes."""

    def __init__(self, declared: list[tuple[str, str]]) -> None:
        self.prefixes: dict[str, str] = {}  # namespace -> prefix
        for prefix, uri in declared:
            if prefix and prefix not in SCHEMES and uri not in self.prefixes:
                self.prefixes[uri] = prefix
        self.used: dict[str, str] = {}  # prefix -> namespace

    def name(self, tag: str) -> str:
        namespace, local = _split(tag)
        if not namespace or namespace in EPCIS_NAMESPACES:
            return local
        prefix = self.prefixes.get(namespace)
        if prefix is None:
            prefix = f"ns{len(self.prefixes) + 1}"
            self.prefixes[namespace] = prefix
        self.used[prefix] = namespace
        return f"{prefix}:{local}"

    def children(self, element: Element) -> list[Element]:
        """Child elements, looking through EPCIS 1.x ``extension`` wrappers."""
        found: list[Element] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue  # a comment or processing instruction
            if _split(child.tag)[1] in WRAPPERS and not _split(child.tag)[0]:
                found.extend(self.children(child))
            else:
                found.append(child)
        return found

    def attributes(self, element: Element, numeric: bool = True) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, text in element.attrib.items():
            name = self.name(key)
            if name == "booleanValue":
                found[name] = text.strip().lower() == "true"
            else:
                found[name] = _number(text) if numeric and name in NUMERIC else text
        return found

    # ------------------------------------------------------------------ events

    def event(self, element: Element) -> dict[str, Any]:
        data: dict[str, Any] = {"type": _split(element.tag)[1]}
        self.fields(element, data)
        return data

    def fields(self, element: Element, data: dict[str, Any]) -> None:
        for child in self.children(element):
            name = self.name(child.tag)
            value = self.field(name, child)
            if name in data:
                previous = data[name]
                data[name] = [*(previous if isinstance(previous, list) else [previous]), value]
            else:
                data[name] = value

    def field(self, name: str, element: Element) -> Any:
        if name in ID_LISTS:
            return [(c.text or "").strip() for c in self.children(element)]
        if name in QUANTITY_LISTS:
            return [self.plain(c) for c in self.children(element)]
        if name in PARTY_LISTS:
            return [self.party(c, PARTY_LISTS[name]) for c in self.children(element)]
        if name == "persistentDisposition":
            found: dict[str, list[str]] = {}
            for child in self.children(element):
                found.setdefault(self.name(child.tag), []).append((child.text or "").strip())
            return found
        if name == "sensorElementList":
            return [self.sensor(c) for c in self.children(element)]
        if name == "errorDeclaration":
            declared = self.plain(element)
            ids = declared.get("correctiveEventIDs")
            if isinstance(ids, dict):
                listed = ids.get("correctiveEventID", [])
                declared["correctiveEventIDs"] = listed if isinstance(listed, list) else [listed]
            return declared
        if name in ("readPoint", "bizLocation", "ilmd") or ":" in name:
            return self.plain(element)
        return (element.text or "").strip()

    def party(self, element: Element, item: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if "type" in element.attrib:
            found["type"] = element.attrib["type"].strip()
        found[item] = (element.text or "").strip()
        return found

    def sensor(self, element: Element) -> dict[str, Any]:
        found: dict[str, Any] = {}
        reports = []
        for child in self.children(element):
            name = self.name(child.tag)
            if name == "sensorMetadata":
                found[name] = {**self.attributes(child), **self.nested(child)}
            elif name == "sensorReport":
                reports.append({**self.attributes(child), **self.nested(child)})
            else:
                found[name] = self.plain(child)
        if reports:
            found["sensorReport"] = reports
        return found

    def nested(self, element: Element) -> dict[str, Any]:
        data: dict[str, Any] = {}
        self.fields(element, data)
        return data

    def plain(self, element: Element) -> Any:
        """An element as a JSON value: its text, or an object of its attributes and children
        (repeated children as a list)."""
        children = self.children(element)
        attributes = self.attributes(element, numeric=False)
        if not children and not attributes:
            text = (element.text or "").strip()
            return _number(text) if self.name(element.tag) in NUMERIC else text
        data: dict[str, Any] = dict(attributes)
        for child in children:
            name = self.name(child.tag)
            value = self.plain(child)
            if name in data:
                previous = data[name]
                data[name] = [*(previous if isinstance(previous, list) else [previous]), value]
            else:
                data[name] = value
        return data


def _parse(data: bytes) -> tuple[Element, list[tuple[str, str]]]:
    declared: list[tuple[str, str]] = []
    try:
        for event, item in safe_xml.iterparse(io.BytesIO(data), events=("start-ns",)):
            if event == "start-ns":
                declared.append(item)
        root = safe_xml.fromstring(data)
    except DefusedXmlException as error:
        raise DocumentError(
            "forbidden_xml",
            "",
            "XML with a document type declaration, entities or external references is refused",
            type(error).__name__,
        ) from error
    except safe_xml.ParseError as error:
        raise DocumentError(
            "malformed_xml", "", f"the body is not well-formed XML: {error}"
        ) from error
    return root, declared


def read_xml_document(data: bytes) -> Document:
    """The events of an EPCIS 2.0 XML document (EPCISDocument or EPCISQueryDocument)."""
    root, declared = _parse(data)
    kind = _split(root.tag)[1]
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise DocumentError(
            "unknown_document_type",
            "",
            "the root must be EPCISDocument or EPCISQueryDocument",
            kind,
        )
    reader = _Reader(declared)
    event_list = next((e for e in root.iter() if _split(e.tag) == ("", "EventList")), None)
    if event_list is None:
        raise DocumentError("required", "EPCISBody.EventList", "the document has no EventList")
    ignored = frozenset(
        reader.name(field.tag)
        for holder in root.iter()
        if _split(holder.tag)[1] == "ignoreFields"
        for field in holder
    )
    events = [reader.event(element) for element in reader.children(event_list)]
    namespaces = dict(reader.used)
    values = {k: v for k, v in STANDARD_PREFIXES.items() if k in ("gs1", "cbv")}
    return Document(
        kind, [EpcisEvent(e, namespaces, ignored, values) for e in events], namespaces, ignored
    )
