from types import SimpleNamespace

from assistant.accounts import MAX_FAILURES, LoginThrottle, parse_accounts, role_of, session_role

ACCOUNTS = parse_accounts("ana:s3cret:agent, vic:pw:viewer, bo:pw2")


def test_accounts_and_roles_come_from_the_current_setting():
    assert role_of(ACCOUNTS, "ana") == "agent" and role_of(ACCOUNTS, "vic") == "viewer"
    assert role_of(ACCOUNTS, "bo") == "agent", "role defaults to agent"
    demoted = parse_accounts("ana:s3cret:viewer")
    assert role_of(demoted, "ana") == "viewer" and role_of(demoted, "vic") is None  # removed: no rights at all


def test_guessing_locks_the_name_then_a_success_clears_it():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    assert throttle.check(ACCOUNTS, "ana", "s3cret") is not None
    for _ in range(MAX_FAILURES):
        assert throttle.check(ACCOUNTS, "ana", "guess") is None
    assert throttle.locked_for("ana") > 0
    assert throttle.check(ACCOUNTS, "ana", "s3cret") is None, "locked: even the right password waits"
    assert throttle.check(ACCOUNTS, "vic", "pw") is not None, "other names are not affected"
    now[0] += 61
    assert throttle.check(ACCOUNTS, "ana", "guess") is None
    first_lock = throttle.locked_for("ana")
    assert first_lock > 60, "each further failure doubles the lock"
    now[0] += first_lock + 1
    assert throttle.check(ACCOUNTS, "ana", "s3cret") is not None and throttle.locked_for("ana") == 0


def test_a_session_ends_when_its_password_or_role_changes():
    ana = SimpleNamespace(identifier="ana", metadata={"role": "agent", "account": ACCOUNTS["ana"].fingerprint})
    assert session_role(ACCOUNTS, ana) == "agent"
    assert session_role(parse_accounts("ana:new-password:agent"), ana) is None
    assert session_role(parse_accounts("ana:s3cret:viewer"), ana) is None
    assert session_role(ACCOUNTS, SimpleNamespace(identifier="ana", metadata={"role": "agent"})) is None  # pre-fingerprint
    assert session_role(ACCOUNTS, None) is None and "s3cret" not in ACCOUNTS["ana"].fingerprint
