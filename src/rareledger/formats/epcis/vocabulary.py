"""The EPCIS 2.0 / CBV 2.0 terms rareledger needs to read JSON-LD offline.

A term table of our own, written from the standards (EPCIS 2.0 section 10, CBV 2.0 sections
7-8): the JSON-LD context's namespace prefixes and the CBV code lists whose bare strings
(``"shipping"``) stand for Web URIs (``https://ref.gs1.org/cbv/BizStep-shipping``). No
context document is fetched: a document must name the standard context by one of its
published URLs, and may add inline namespace definitions.
"""

from __future__ import annotations

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"

# The published URLs of the EPCIS 2.0 JSON-LD context (the standard's and the work group's).
STANDARD_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
DEFAULT_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

# The prefixes the standard context defines; it is protected, so a document may not give
# them another meaning.
STANDARD_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": CBV,
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": GS1_VOC,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)

BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DESTINATION_TYPES = frozenset({"owning_party", "possessing_party", "location"})
ERROR_REASONS = frozenset({"did_not_occur", "incorrect_data"})
COMPONENTS = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)
MEASUREMENT_TYPES = frozenset(
    [
        "AbsoluteHumidity",
        "AbsorbedDose",
        "AbsorbedDoseRate",
        "Acceleration",
        "Radioactivity",
        "Altitude",
        "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume",
        "Angle",
        "AngularAcceleration",
        "AngularMomentum",
        "AngularVelocity",
        "Area",
        "Capacitance",
        "Conductance",
        "Conductivity",
        "Count",
        "Density",
        "Dimensionless",
        "DoseEquivalent",
        "DoseEquivalentRate",
        "DynamicViscosity",
        "ElectricCharge",
        "ElectricCurrent",
        "ElectricCurrentDensity",
        "ElectricFieldStrength",
        "Energy",
        "Exposure",
        "Force",
        "Frequency",
        "Illuminance",
        "Inductance",
        "Irradiance",
        "KinematicViscosity",
        "Length",
        "LinearMomentum",
        "Luminance",
        "LuminousFlux",
        "LuminousIntensity",
        "MagneticFlux",
        "MagneticFluxDensity",
        "MagneticVectorPotential",
        "Mass",
        "MassConcentration",
        "MassFlowRate",
        "MassPerAreaTime",
        "MemoryCapacity",
        "MolalityOfSolute",
        "MolarEnergy",
        "MolarMass",
        "MolarVolume",
        "Power",
        "Pressure",
        "RadiantFlux",
        "RadiantIntensity",
        "RelativeHumidity",
        "Resistance",
        "Resistivity",
        "SolidAngle",
        "SpecificVolume",
        "Speed",
        "SurfaceDensity",
        "SurfaceTension",
        "Temperature",
        "Time",
        "Torque",
        "Voltage",
        "Volume",
        "VolumeFlowRate",
        "VolumeFraction",
        "VolumetricFlux",
        "Wavenumber",
    ]
)
ALERT_TYPES = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})

# Which code list a field's bare string belongs to, and the Web URI it stands for.
# (field name, code list, URI prefix)
CODE_LISTS: dict[str, tuple[frozenset[str], str]] = {
    "bizStep": (BIZ_STEPS, CBV + "BizStep-"),
    "disposition": (DISPOSITIONS, CBV + "Disp-"),
    "set": (DISPOSITIONS, CBV + "Disp-"),
    "unset": (DISPOSITIONS, CBV + "Disp-"),
    "reason": (ERROR_REASONS, CBV + "ER-"),
    "component": (COMPONENTS, CBV + "Comp-"),
    "exception": (ALERT_TYPES, GS1_VOC),
}
# The ``type`` key means a different list in each structure.
TYPE_LISTS: dict[str, tuple[frozenset[str], str]] = {
    "bizTransaction": (BIZ_TRANSACTION_TYPES, CBV + "BTT-"),
    "source": (SOURCE_DESTINATION_TYPES, CBV + "SDT-"),
    "destination": (SOURCE_DESTINATION_TYPES, CBV + "SDT-"),
    "sensorReport": (MEASUREMENT_TYPES, GS1_VOC),
}
# The old CBV 1.x URNs and the Web URI prefixes that replace them.
CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)


def bare(value: str, codes: tuple[frozenset[str], str]) -> str:
    """The bare CBV string of a value given as a bare string, CBV URN or Web URI, if it is
    one of ``codes``; otherwise the value itself."""
    names, prefix = codes
    if value.startswith(prefix) and value[len(prefix) :] in names:
        return value[len(prefix) :]
    for urn, web in CBV_URNS:
        if web == prefix and value.startswith(urn) and value[len(urn) :] in names:
            return value[len(urn) :]
    return value


def web_uri(value: str, codes: tuple[frozenset[str], str]) -> str:
    """The Web URI of a bare CBV string of ``codes``; other values unchanged."""
    names, prefix = codes
    return prefix + value if value in names else value
