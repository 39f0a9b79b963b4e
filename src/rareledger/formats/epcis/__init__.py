"""GS1 EPCIS 2.0 at the edge: the JSON-LD and XML bindings, the CBV event hash ID, and the
mapping between rareledger's records and EPCIS events. Pure functions, no I/O."""
