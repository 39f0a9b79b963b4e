"""Failed sign-ins and bad keys are throttled per account and per client address (429 with
Retry-After), with a lock-out an administrator can lift (issue 12, item 6); `serve` refuses
a guessable secret."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from rareledger.cli import cli
from rareledger.domain.lockouts import LONGEST_LOCKOUT, Policy, after_failure, wait_s
from rareledger.services import accounts
from rareledger.store.database import Database
from tests.web.conftest import Api, make_api

PASSWORD = "the right password"


def _sign_in(api: Api, username: str, password: str) -> object:
    body = {"username": username, "password": password}
    return api.post("/api/v1/auth/token", None, json=body)


def test_forty_wrong_passwords_lock_the_account_until_an_administrator_lifts_it(
    database: Database,
) -> None:
    api = make_api(database)
    accounts.create_user(database, "bob", PASSWORD, "auditor")
    answers = [_sign_in(api, "bob", f"guess {n}").status_code for n in range(40)]
    assert answers[:4] == [401] * 4 and set(answers[4:]) == {429}
    refused = _sign_in(api, "bob", PASSWORD)  # the right one does not work while locked
    assert refused.status_code == 429  # type: ignore[attr-defined]
    retry = int(refused.headers["Retry-After"])  # type: ignore[attr-defined]
    assert 800 < retry <= 900
    error = refused.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "too_many_attempts" and error["details"]["retry_after_s"] == retry
    [locked] = api.get("/api/v1/lockouts").json()["items"]
    assert (locked["kind"], locked["name"]) == ("account", "bob")
    assert api.delete("/api/v1/lockouts/account/bob", "auditor").status_code == 403
    assert api.delete("/api/v1/lockouts/account/bob").status_code == 204
    assert _sign_in(api, "bob", PASSWORD).status_code == 200  # type: ignore[attr-defined]
    assert api.delete("/api/v1/lockouts/account/bob").status_code == 404
    api.client.close()


def test_one_address_trying_many_accounts_is_locked_out(database: Database) -> None:
    api = make_api(database, address_failures=6)
    accounts.create_user(database, "carol", PASSWORD, "auditor")
    answers = [_sign_in(api, f"user-{n}", "wrong password").status_code for n in range(8)]
    assert answers == [401] * 5 + [429] * 3
    assert _sign_in(api, "carol", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    kinds = {(x["kind"], x["name"]) for x in api.get("/api/v1/lockouts").json()["items"]}
    assert kinds == {("address", "testclient")}
    assert api.delete("/api/v1/lockouts/address/testclient").status_code == 204
    assert _sign_in(api, "carol", PASSWORD).status_code == 200  # type: ignore[attr-defined]
    api.client.close()


def test_bad_keys_are_throttled_per_address_and_a_real_key_still_works(
    database: Database,
) -> None:
    api = make_api(database, address_failures=5)
    key_id = api.keys["miner"].split("_")[1]
    guesses = [f"rlk_{key_id}_{secrets.token_urlsafe(32)}", "rlk_zz_x", "not a key", "a.b.c"]
    answers = []
    for n in range(8):
        headers = {"Authorization": f"Bearer {guesses[n % len(guesses)]}"}
        answers.append(api.client.get("/api/v1/me", headers=headers).status_code)
    assert answers == [401] * 4 + [429] * 4
    assert api.get("/api/v1/me", "miner").status_code == 200  # a key that proves itself
    locked = {x["kind"]: x for x in api.get("/api/v1/lockouts").json()["items"]}
    assert set(locked) == {"address"} and locked["address"]["retry_after_s"] > 0
    api.client.close()


def test_the_command_line_lists_and_lifts_lock_outs(database: Database) -> None:
    accounts.create_user(database, "dora", PASSWORD, "auditor")
    for _ in range(4):
        assert accounts.authenticate_user(database, "dora", "wrong password") is None
    with pytest.raises(accounts.Throttled):
        accounts.authenticate_user(database, "dora", "wrong password")
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", database.url, "lockout", "list", "--json"])
    assert [(x["kind"], x["name"]) for x in json.loads(listed.output)] == [("account", "dora")]
    lifted = runner.invoke(cli, ["--db", database.url, "lockout", "lift", "account", "dora"])
    assert lifted.exit_code == 0 and "lifted" in lifted.output
    assert accounts.authenticate_user(database, "dora", PASSWORD) is not None
    again = runner.invoke(cli, ["--db", database.url, "lockout", "lift", "account", "dora"])
    assert again.exit_code == 2 and "no failures counted" in again.output
    empty = runner.invoke(cli, ["--db", database.url, "lockout", "list"])
    assert empty.output.strip() == "nothing is locked out"


NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = Policy(3, timedelta(minutes=15), timedelta(minutes=15))


def test_each_lock_out_in_a_row_lasts_twice_as_long_up_to_a_day() -> None:
    attempts, now, lengths = None, NOW, []
    for _ in range(10):
        for _ in range(POLICY.failures):
            attempts = after_failure(attempts, "account:x", now, POLICY)
        assert attempts is not None and attempts.locked_until is not None
        lengths.append(wait_s(attempts, now))
        now = attempts.locked_until
        assert wait_s(attempts, now) == 0
    assert lengths[:4] == [900, 1800, 3600, 7200]
    assert lengths[-1] == LONGEST_LOCKOUT.total_seconds()


def test_failures_count_in_a_window_and_a_quiet_day_starts_afresh() -> None:
    first = after_failure(None, "account:x", NOW, POLICY)
    second = after_failure(first, "account:x", NOW + timedelta(minutes=16), POLICY)
    assert second.failures == 1  # the first fell out of the window
    locked = after_failure(
        after_failure(second, "account:x", NOW, POLICY), "account:x", NOW, POLICY
    )
    assert locked.lockouts == 1 and locked.locked_until is not None
    later = after_failure(locked, "account:x", NOW + timedelta(days=2), POLICY)
    assert (later.failures, later.lockouts, later.locked_until) == (1, 0, None)


@pytest.mark.parametrize("secret", ["a" * 40, "passwordpasswordpasswordpassword12"])
def test_serve_refuses_a_guessable_secret(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("RARELEDGER_SECRET_KEY", secret)
    result = CliRunner().invoke(cli, ["--db", sqlite_url, "serve"])
    assert result.exit_code == 2 and "too easy to guess" in result.output
