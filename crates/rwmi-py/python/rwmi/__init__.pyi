import datetime
from typing import Any, Iterator, Literal, Mapping, Optional, Sequence, Tuple, Union

__version__: str

Value = Union[
    None, int, float, bool, str, datetime.datetime, datetime.timedelta, "Row", list
]
Row = dict[str, Value]
AuthLevel = Literal["privacy", "integrity", "connect"]

class Error(Exception):
    """A WMI operation failed."""
    message: str
    hresult: Optional[int]
    code: Optional[str]
    stage: Optional[str]
    verdict: str
    symptom: str
    cause: str
    resolution: list[str]

class ConnectionError(Error): ...
class Timeout(ConnectionError): ...
class AuthenticationError(Error): ...
class LogonFailure(AuthenticationError): ...
class AccessDenied(Error): ...
class QueryError(Error): ...
class ProtocolError(Error): ...

class Connection:
    def query(self, wql: str) -> Iterator[Row]: ...
    def get(self, path: str) -> Row: ...
    def call(self, path: str, method: str, **params: Any) -> Optional[Row]: ...
    def close(self) -> None: ...
    @property
    def healthy(self) -> bool: ...
    @property
    def namespace(self) -> str: ...
    def __enter__(self) -> "Connection": ...
    def __exit__(self, *exc: object) -> Literal[False]: ...

def connect(
    host: str,
    user: str,
    password: Optional[str] = ...,
    *,
    domain: Optional[str] = ...,
    namespace: str = ...,
    auth_level: AuthLevel = ...,
    hashes: Optional[str] = ...,
    kerberos: bool = ...,
    kdc: Optional[str] = ...,
    realm: Optional[str] = ...,
    authority: Optional[str] = ...,
    locale: Optional[str] = ...,
    timeout: Optional[float] = ...,
) -> Connection: ...


def doctor(
    host: str,
    user: str,
    password: Optional[str] = ...,
    **kwargs: Any,
) -> Mapping[str, Any]: ...

def query_many(
    hosts: Sequence[str],
    wql: str,
    user: str,
    password: Optional[str] = ...,
    concurrency: int = ...,
    **kwargs: Any,
) -> Iterator[Tuple[str, Optional[list[Row]], Optional[Error]]]: ...
