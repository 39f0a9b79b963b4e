"""Who may do what: roles, principals, and what an enterprise may see of a counterparty."""

from __future__ import annotations

from dataclasses import dataclass

from rareledger.domain.actors import Actor

REGULATOR = "regulator"
CUSTOMS = "customs"
ENTERPRISE = "enterprise"
AUDITOR = "auditor"
ROLES = (REGULATOR, CUSTOMS, ENTERPRISE, AUDITOR)

READ_ALL = frozenset({REGULATOR, AUDITOR})  # may read everything
REPORTERS = frozenset({REGULATOR, ENTERPRISE})  # may submit events


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a person's account or an API key."""

    name: str  # "user:alice" or "key:k_3f2a..."; recorded as submitted_by
    role: str
    enterprise_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if (self.role == ENTERPRISE) != (self.enterprise_id is not None):
            raise ValueError("the enterprise role, and only it, is bound to one enterprise")

    @property
    def reads_all(self) -> bool:
        return self.role in READ_ALL

    def actor(self) -> Actor:
        """The ledger actor: the regulator reports for anyone, an enterprise only as itself."""
        return Actor(self.name, self.enterprise_id, self.role)

    def may_see_enterprise(self, enterprise_id: str) -> bool:
        return self.reads_all or self.enterprise_id == enterprise_id


def check_role_binding(role: str, enterprise_id: str | None) -> str | None:
    """Why a role/enterprise pair is invalid, or None."""
    if role not in ROLES:
        return f"role must be one of {', '.join(ROLES)}"
    if role == ENTERPRISE and not enterprise_id:
        return "the enterprise role needs --enterprise"
    if role != ENTERPRISE and enterprise_id:
        return "only the enterprise role is bound to an enterprise"
    return None
