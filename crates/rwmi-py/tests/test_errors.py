"""Failures raise the exception of their kind, with the HRESULT and the doctor's verdict."""

import asyncio
import warnings

import pytest

import rwmi
import rwmi.aio

from conftest import PASSWORD


def test_each_failure_has_its_exception_and_verdict(sim):
    cases = [
        # (user, password, query, exception, verdict, hresult, stage)
        ("alice", PASSWORD, None, rwmi.AccessDenied, "dcom-access-denied", 0x80070005, "activation"),
        ("bob", PASSWORD, None, rwmi.AccessDenied, "namespace-access-denied", 0x80041003, "login"),
        ("Administrator", "wrong", None, rwmi.LogonFailure, "logon-failure", None, None),
        ("Administrator", PASSWORD, "SELECT * FROM NoSuchClass", rwmi.QueryError, "query-failed", 0x80041010, "query"),
        ("Administrator", PASSWORD, "SELEC nonsense", rwmi.QueryError, "query-failed", 0x80041017, "query"),
    ]
    for user, password, query, kind, verdict, hresult, stage in cases:
        with pytest.raises(kind) as caught:
            with rwmi.connect(sim.target, user, password) as conn:
                list(conn.query(query))
        e = caught.value
        assert isinstance(e, rwmi.Error)
        assert e.verdict == verdict, (user, query, e.args)
        if hresult is not None:
            assert e.hresult == hresult and e.code == f"0x{hresult:08X}"
            assert f"0x{hresult:08X}" in str(e) and str(hresult - (1 << 32)) in str(e)
        if stage is not None:
            assert e.stage == stage
        assert e.symptom and e.cause and e.resolution
    # The hierarchy a caller catches by.
    assert issubclass(rwmi.LogonFailure, rwmi.AuthenticationError)
    assert issubclass(rwmi.Timeout, rwmi.ConnectionError)


def test_refused_and_timed_out_connections(make_sim):
    with pytest.raises(rwmi.ConnectionError) as caught:
        rwmi.connect("127.0.0.1:1", "Administrator", PASSWORD)
    assert caught.value.verdict == "port-135-closed"
    filtered = make_sim("--profile", "firewalled-dynamic-port")
    with pytest.raises(rwmi.Timeout) as caught:
        rwmi.connect(filtered.target, "Administrator", PASSWORD, timeout=2)
    assert caught.value.verdict == "dynamic-port-filtered"


def test_asyncio_raises_the_same(sim):
    async def run():
        await rwmi.aio.connect(sim.target, "alice", PASSWORD)

    with pytest.raises(rwmi.AccessDenied):
        asyncio.run(run())


def test_doctor_says_why(sim):
    d = rwmi.doctor(sim.target, "bob", PASSWORD)
    assert not d["ok"] and d["verdict"] == "namespace-access-denied"
    assert d["hresult"] == 0x80041003 and d["stage"] == "login"
    assert any(s["status"] == "failed" for s in d["stages"])
    assert rwmi.doctor(sim.target, "Administrator", PASSWORD)["ok"]
    assert asyncio.run(rwmi.aio.doctor(sim.target, "alice", PASSWORD))["verdict"] == "dcom-access-denied"


def test_below_privacy_takes_a_warning(sim):
    with pytest.warns(UserWarning, match="not encrypted"):
        rwmi.connect(sim.target, "Administrator", PASSWORD, auth_level="integrity").close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rwmi.connect(sim.target, "Administrator", PASSWORD).close()


def test_wrong_arguments_are_type_and_value_errors(sim):
    with pytest.raises(TypeError, match="unexpected keyword"):
        rwmi.connect(sim.target, "Administrator", PASSWORD, pasword="x")
    with pytest.raises(ValueError, match="auth_level"):
        rwmi.connect(sim.target, "Administrator", PASSWORD, auth_level="none")
    conn = rwmi.connect(sim.target, "Administrator", PASSWORD)
    conn.close()
    with pytest.raises(ValueError, match="closed"):
        conn.query("SELECT Name FROM Win32_Service")
