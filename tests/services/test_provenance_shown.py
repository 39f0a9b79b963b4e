"""A lot's provenance status is shown wherever the lot is: `lot show`, the lot API, `trace`
and passports; a passport never says the chain is intact for a lot with a gap (issue 12,
item 2). Anonymous verification checks the signature first and bounds what it looks up
(item 9)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event

from rareledger.cli import cli
from rareledger.domain.canonical import canonical_json
from rareledger.formats import passport_html
from rareledger.services import export_control, holdings, passports, traceability
from rareledger.store.database import Database
from tests import factories as f
from tests.web.conftest import Api, make_api

PASSPHRASE = "a long test passphrase"


@pytest.fixture
def tainted(database: Database) -> dict[str, str]:
    """5,000 kg shipped from a lot of 100 kg, received, and processed into LOT-P."""
    export_control.seed_regimes(database)
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    reporter.accept(f.extraction("LOT-A", "100"), f.extraction("LOT-C", "100"))
    shipped = f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "5000")])
    reporter.accept(shipped, f.receipt(f.SEPARATOR, shipped["event_id"], [("LOT-A", "5000")]))
    made = f.processing(
        f.SEPARATOR, [("LOT-A", "4000")], [("LOT-P", "oxide", "1000", {"Nd": "0.5"})]
    )
    reporter.accept(made)
    passports.create_key(database, PASSPHRASE)
    return {"cause": f"negative_balance:{shipped['event_id']}"}


def test_lot_show_and_the_lot_report_name_the_gap(
    tainted: dict[str, str], database: Database
) -> None:
    report = holdings.lot_report(database, "LOT-P")
    assert report["provenance"] == {
        "status": "gap",
        "causes": [tainted["cause"]],
        "causes_total": 1,
    }
    clean_status = {"status": "clean", "causes": [], "causes_total": 0}
    assert holdings.lot_report(database, "LOT-C")["provenance"] == clean_status
    runner = CliRunner()
    shown = runner.invoke(cli, ["--db", database.url, "lot", "show", "LOT-P"])
    assert shown.exit_code == 0 and f"provenance: gap: {tainted['cause']}" in shown.output
    clean = runner.invoke(cli, ["--db", database.url, "lot", "show", "LOT-C"])
    assert "provenance: clean" in clean.output
    as_json = runner.invoke(cli, ["--db", database.url, "lot", "show", "LOT-P", "--json"])
    assert json.loads(as_json.output)["provenance"]["status"] == "gap"


def test_trace_marks_every_lot_with_a_gap(tainted: dict[str, str], database: Database) -> None:
    up = traceability.trace_up(database, "LOT-P")
    assert up["provenance"]["status"] == "gap"
    assert {lot["lot_id"]: lot["provenance"]["status"] for lot in up["lots"]} == {
        "LOT-A": "gap",
        "LOT-P": "gap",
    }
    assert traceability.trace_down(database, "LOT-C")["provenance"]["status"] == "clean"
    assert f"gap: {tainted['cause']}" in traceability.graphml(up)
    runner = CliRunner()
    tree = runner.invoke(cli, ["--db", database.url, "trace", "LOT-P"])
    assert tree.exit_code == 0 and f"[gap: {tainted['cause']}]" in tree.output
    down = runner.invoke(cli, ["--db", database.url, "trace", "LOT-A", "--down", "--json"])
    assert json.loads(down.output)["provenance"]["causes"] == [tainted["cause"]]


def test_the_lot_api_shows_the_status_and_an_enterprise_only_the_codes(
    tainted: dict[str, str], database: Database
) -> None:
    api = make_api(database)
    regulator = api.get("/api/v1/lots/LOT-P").json()
    assert regulator["provenance"] == {
        "status": "gap",
        "causes": [tainted["cause"]],
        "causes_total": 1,
    }
    separator = api.get("/api/v1/lots/LOT-P", "separator").json()
    assert separator["provenance"] == {"status": "gap", "causes": ["negative_balance"]}
    traced = api.get("/api/v1/lots/LOT-P/trace").json()
    assert traced["provenance"]["status"] == "gap"
    api.client.close()


def test_a_passport_never_says_the_chain_is_intact_for_a_lot_with_a_gap(
    tainted: dict[str, str], database: Database
) -> None:
    document = passports.issue(database, "LOT-P", passphrase=PASSPHRASE)
    body = document["passport"]
    assert body["provenance"] == {"status": "gap", "causes": ["negative_balance"]}
    assert body["ledger_intact"] is True and body["chain_intact"] is False
    page = passport_html.render(document)
    assert "gap: negative_balance" in page and "not intact" in page
    clean = passports.issue(database, "LOT-C", passphrase=PASSPHRASE)["passport"]
    assert clean["chain_intact"] is True
    assert clean["provenance"] == {"status": "clean", "causes": []}


# ---------------------------------------------------------------- anonymous verification


def _key_of(private: Ed25519PrivateKey) -> str:
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def _signed(body: dict[str, Any], private: Ed25519PrivateKey, key_id: str) -> dict[str, Any]:
    value = base64.b64encode(private.sign(canonical_json(body).encode())).decode()
    return {
        "passport": body,
        "signature": {"key_id": key_id, "algorithm": "Ed25519", "value": value},
    }


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement the database is sent while the test runs."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    yield sent
    event.remove(database.engine, "before_cursor_execute", count)


def test_a_forged_passport_looks_nothing_up(database: Database, statements: list[str]) -> None:
    forger = Ed25519PrivateKey.generate()
    evidence = [{"position": n, "hash": "0" * 64} for n in range(1, 20_001)]
    forged = _signed({"evidence": evidence}, forger, "k-real")
    keys = {"k-real": _key_of(Ed25519PrivateKey.generate())}
    statements.clear()
    result = passports.verify(forged, keys, database)
    assert not result.valid and result.reasons == [
        "the signature does not match the passport (altered, or another key)"
    ]
    assert statements == []


def test_evidence_is_bounded_and_read_in_bulk(database: Database, statements: list[str]) -> None:
    signer = Ed25519PrivateKey.generate()
    keys = {"k-1": _key_of(signer)}
    cited = [{"position": n, "hash": "0" * 64} for n in range(1, passports.MAX_EVIDENCE + 1)]
    statements.clear()
    result = passports.verify(_signed({"evidence": cited}, signer, "k-1"), keys, database)
    assert not result.valid and len(result.reasons) == passports.MAX_EVIDENCE
    assert 0 < len(statements) <= passports.MAX_EVIDENCE // 500 + 3
    too_many = [*cited, {"position": 1, "hash": "0" * 64}]
    over = passports.verify(_signed({"evidence": too_many}, signer, "k-1"), keys, database)
    assert over.reasons == [
        f"the evidence is not a list of at most {passports.MAX_EVIDENCE} ledger positions "
        "and hashes"
    ]


HOSTILE_EVIDENCE = [
    [1],
    "abc",
    {"a": 1},
    [{"position": True, "hash": "0" * 64}],
    [{"position": 2**63, "hash": "0" * 64}],
    [{"position": 10**30, "hash": "0" * 64}],
]


@pytest.mark.parametrize("evidence", HOSTILE_EVIDENCE, ids=repr)
def test_nonsense_evidence_is_answered_signed_or_not(database: Database, evidence: Any) -> None:
    signer = Ed25519PrivateKey.generate()
    keys = {"k-1": _key_of(signer)}
    unsigned = {"passport": {"evidence": evidence}, "signature": {"key_id": "k-1", "value": ""}}
    result = passports.verify(unsigned, keys, database)
    assert not result.valid and "signature" in result.reasons[0]
    if evidence != HOSTILE_EVIDENCE[-1]:  # 10**30 has no canonical form: it cannot be signed
        signed = passports.verify(_signed({"evidence": evidence}, signer, "k-1"), keys, database)
        assert not signed.valid and signed.reasons[0].startswith("the evidence is not a list")


@pytest.fixture
def public_api(database: Database) -> Iterator[tuple[Api, str]]:
    api = make_api(database)
    api.post("/api/v1/master-data", json={"records": f.world()})
    api.events("miner", f.extraction("LOT-A", "10"))
    key_id = passports.create_key(database, PASSPHRASE)
    yield api, key_id
    api.client.close()


def _forged(key_id: str, evidence: Any) -> dict[str, Any]:
    signature = {"key_id": key_id, "algorithm": "Ed25519", "value": "AAAA"}
    return {"passport": {"evidence": evidence}, "signature": signature}


@pytest.mark.parametrize("evidence", HOSTILE_EVIDENCE, ids=repr)
def test_anonymous_verification_of_hostile_evidence_answers_200(
    public_api: tuple[Api, str], evidence: Any
) -> None:
    api, key_id = public_api
    response = api.post("/api/v1/passports/verify", None, json=_forged(key_id, evidence))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "valid": False,
        "reasons": ["the signature does not match the passport (altered, or another key)"],
    }


def test_the_ledger_length_cannot_be_bisected(public_api: tuple[Api, str]) -> None:
    """Forged passports under a published key, citing a position inside the ledger and one
    far beyond it, get the same answer: nothing is looked up before the signature holds."""
    api, key_id = public_api
    answers = set()
    for position in (1, 2, 10**6, 2**62):
        evidence = [{"position": position, "hash": "0" * 64}]
        answers.add(api.post("/api/v1/passports/verify", None, json=_forged(key_id, evidence)).text)
    assert len(answers) == 1
