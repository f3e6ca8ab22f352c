"""Kerberos against the emulator running as a service account of the test Samba domain (the DC of
scripts/test.sh): with the password, and with the TGT of a credential cache (KRB5CCNAME)."""

import os
import subprocess

import pytest

import rwmi
from conftest import Sim


def samba():
    host = os.environ.get("RWMI_SAMBA_HOST")
    if not host:
        if os.environ.get("RWMI_REQUIRE_PEERS") == "1":
            pytest.fail("RWMI_REQUIRE_PEERS=1 but no Samba DC is configured")
        pytest.skip("no Samba DC (run ./scripts/test.sh)")
    return host, os.environ.get("RWMI_SAMBA_REALM", "TEST.LOCAL")


def test_kerberos_with_a_password_and_with_a_credential_cache(tmp_path, monkeypatch):
    kdc, realm = samba()
    sim = Sim("--keytab", os.environ["RWMI_SAMBA_EMU_KEYTAB"])
    try:
        common = dict(kerberos=True, kdc=kdc, realm=realm, authority="kerberos:host/emu.test.local")
        with rwmi.connect(sim.target, "Administrator", os.environ["RWMI_SAMBA_PASSWORD"], **common) as c:
            assert len(list(c.query("SELECT Name FROM Win32_OperatingSystem"))) == 1
        cache = f"FILE:{tmp_path / 'krb5cc'}"
        subprocess.run(
            ["kinit", "-k", "-t", os.environ["RWMI_SAMBA_ADMIN_KEYTAB"], "-c", cache, f"Administrator@{realm}"],
            check=True,
            env=dict(os.environ, KRB5_CONFIG=os.environ["RWMI_SAMBA_KRB5_CONFIG"]),
        )
        monkeypatch.setenv("KRB5CCNAME", cache)
        with rwmi.connect(sim.target, "Administrator", **common) as c:
            assert len(list(c.query("SELECT Name FROM Win32_OperatingSystem"))) == 1
        monkeypatch.delenv("KRB5CCNAME")
        with pytest.raises(ValueError, match="KRB5CCNAME"):
            rwmi.connect(sim.target, "Administrator", **common)
    finally:
        sim.stop()
