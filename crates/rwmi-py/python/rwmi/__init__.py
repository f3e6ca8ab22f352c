"""rwmi: remote WMI from any OS, fast, and with the reason when a connection fails.

    import rwmi
    with rwmi.connect("server", user="Administrator", password="...", domain="CORP") as conn:
        for row in conn.query("SELECT Name, State FROM Win32_Service"):
            print(row["Name"], row["State"])

The asyncio API is the same under ``rwmi.aio``. Rows are dicts of Python values (int, float, bool, str,
timezone-aware ``datetime.datetime``, ``datetime.timedelta`` for intervals, lists, nested dicts for
embedded objects, ``None`` for NULL), streamed batch by batch. Failures raise ``rwmi.Error``
subclasses carrying the HRESULT and the doctor's verdict. The GIL is released while waiting on the
network, so other threads run.
"""

import warnings as _warnings

from . import _rwmi
from ._rwmi import (
    AccessDenied,
    AuthenticationError,
    ConnectionError,
    Error,
    LogonFailure,
    ProtocolError,
    QueryError,
    Timeout,
    __version__,
)

__all__ = [
    "AccessDenied",
    "AuthenticationError",
    "Connection",
    "ConnectionError",
    "Error",
    "LogonFailure",
    "ProtocolError",
    "QueryError",
    "Timeout",
    "connect",
    "doctor",
    "query_many",
    "__version__",
]


def _arg(index, name, doc):
    return property(lambda self: self.args[index] if len(self.args) > index else None, doc=doc)


# The exceptions' arguments are (message, hresult, stage, verdict, symptom, cause, resolution).
Error.message = _arg(0, "message", "What failed, in words.")
Error.hresult = _arg(1, "hresult", "The status as an unsigned 32-bit HRESULT, or None.")
Error.stage = _arg(2, "stage", "Where it failed: resolve, connect, bind, activation, ..., query.")
Error.verdict = _arg(3, "verdict", "The doctor's verdict id, e.g. 'dcom-access-denied'.")
Error.symptom = _arg(4, "symptom", "What the failure looks like.")
Error.cause = _arg(5, "cause", "Why it happens.")
Error.resolution = _arg(6, "resolution", "What to change, most likely first.")
Error.code = property(
    lambda self: None if self.hresult is None else f"0x{self.hresult:08X}",
    doc="The HRESULT in hex, as Microsoft's documents write it.",
)
def _error_text(self):
    text = f"{self.message} [{self.verdict}]"
    if self.hresult is not None and self.code not in text:
        signed = self.hresult - (1 << 32) if self.hresult >= 1 << 31 else self.hresult
        text += f" ({self.code} = {signed})"
    return text


Error.__str__ = _error_text


def _connect_kwargs(user, password, kw):
    level = str(kw.get("auth_level") or "privacy").lower()
    if level in ("integrity", "pkt_integrity", "connect"):
        _warnings.warn(
            f"auth_level={level!r}: below packet privacy the traffic is not encrypted"
            + ("" if level.endswith("integrity") else
               ", and patched Windows refuses DCOM activation below integrity"),
            stacklevel=3,
        )
    return dict(kw, user=user, password=password)


class Connection:
    """An open connection to one namespace of one host; ``with`` closes it."""

    __slots__ = ("_native",)

    def __init__(self, native):
        self._native = native

    def query(self, wql):
        """Runs a WQL query; returns an iterator of rows (dicts), fetched batch by batch."""
        return self._native.query(wql)

    def get(self, path):
        """The instance (or class) at ``path``, e.g. ``Win32_Service.Name="Winmgmt"``, as a dict."""
        return self._native.get(path)

    def call(self, path, method, **params):
        """Calls ``method`` on ``path`` with in-parameters; returns the out-parameters as a dict."""
        return self._native.call(path, method, params)

    def close(self):
        """Releases the server's objects; the connection cannot be used afterwards."""
        self._native.close()

    @property
    def healthy(self):
        return self._native.healthy

    @property
    def namespace(self):
        return self._native.namespace

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return repr(self._native)


def connect(host, user, password=None, **kwargs):
    """Connects to ``host`` (``name``, ``address`` or ``host:port``) like SWbemLocator.ConnectServer.

    Keyword arguments: ``domain``, ``namespace`` ("root/cimv2"), ``auth_level`` ("privacy", the
    default; "integrity" or "connect" warn), ``hashes`` ("LM:NT" or "NT", instead of a password),
    ``kerberos`` (True) with ``kdc`` and ``realm``, ``authority`` ("ntlmdomain:DOMAIN" or
    "kerberos:SPN"), ``locale`` ("MS_409"), ``timeout`` (seconds for the whole connect and for each
    call; at most two minutes for the connect, as wbemConnectFlagUseMaxWait).
    """
    return Connection(_rwmi.connect(host, **_connect_kwargs(user, password, kwargs)))


def doctor(host, user, password=None, **kwargs):
    """Connects in stages and says what failed and why: a dict with ``ok``, ``verdict``, ``symptom``,
    ``cause``, ``resolution``, ``hresult``, ``stage`` and the ``stages`` with their times."""
    return _rwmi.doctor(host, **_connect_kwargs(user, password, kwargs))


def query_many(hosts, wql, user, password=None, concurrency=64, **kwargs):
    """Runs ``wql`` on every host at once (at most ``concurrency`` at a time) with the same credentials;
    yields ``(host, rows, None)`` or ``(host, None, exception)`` as each host completes."""
    return _rwmi.query_many(
        list(hosts), wql, concurrency, **_connect_kwargs(user, password, kwargs)
    )
