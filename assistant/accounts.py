"""Password accounts from ASSISTANT_AUTH, and a brake on guessing them.

Roles are looked up here on every privileged action, not read from the session's saved user: a
user removed or demoted in ASSISTANT_AUTH loses the rights at the next restart, whatever cookie
they still hold (Chainlit's token lives for days). The session also carries a fingerprint of the
account it logged in with; when the password or role has changed since, the session is over.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_FAILURES = 5  # wrong passwords in a row before a name is locked
LOCK_S = 60.0  # first lock; doubles with each further failure, up to an hour
MAX_LOCK_S = 3600.0


@dataclass(frozen=True)
class Account:
    password: str
    role: str  # "agent" may upload; "viewer" may only ask

    @property
    def fingerprint(self) -> str:
        """Changes with the password or the role; reveals neither."""
        return hashlib.sha256(f"crossroads-account\0{self.password}\0{self.role}".encode()).hexdigest()[:16]


def parse_accounts(spec: str) -> dict[str, Account]:
    """'user:password:role,…' → {user: Account}; role defaults to agent."""
    accounts = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        user, _, rest = entry.partition(":")
        password, _, role = rest.partition(":")
        accounts[user] = Account(password, role or "agent")
    return accounts


@dataclass
class LoginThrottle:
    """After MAX_FAILURES wrong passwords for a name, refuse that name (even with the right
    password) for a lock that doubles per further failure; a success clears it."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, int] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)

    def locked_for(self, name: str) -> float:
        return max(0.0, self._locked_until.get(name, 0.0) - self.clock())

    def check(self, accounts: dict[str, Account], name: str, password: str) -> Account | None:
        if self.locked_for(name) > 0:
            return None
        account = accounts.get(name)
        if account and secrets.compare_digest(account.password.encode(), password.encode()):
            self._failures.pop(name, None)
            return account
        failures = self._failures[name] = self._failures.get(name, 0) + 1
        if failures >= MAX_FAILURES:
            self._locked_until[name] = self.clock() + min(MAX_LOCK_S, LOCK_S * 2 ** (failures - MAX_FAILURES))
        return None


def role_of(accounts: dict[str, Account], identifier: str | None, fingerprint: str | None = None) -> str | None:
    """The user's role as configured now; None when the account is gone or — given the session's
    `fingerprint` — its password or role changed since that session logged in."""
    account = accounts.get(identifier or "")
    if account is None or (fingerprint is not None and fingerprint != account.fingerprint):
        return None
    return account.role


def session_role(accounts: dict[str, Account], user) -> str | None:
    """`role_of` for a Chainlit user (a session from before fingerprints counts as changed)."""
    if user is None:
        return None
    return role_of(accounts, user.identifier, (user.metadata or {}).get("account", ""))
