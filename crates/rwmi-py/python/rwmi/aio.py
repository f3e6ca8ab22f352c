"""The asyncio API of rwmi, on the same runtime as the synchronous one.

    import rwmi.aio
    async with await rwmi.aio.connect("server", user="Administrator", password="...") as conn:
        async for row in conn.query("SELECT Name FROM Win32_Process"):
            ...
"""

from . import _rwmi
from . import _connect_kwargs


class Connection:
    """An open connection for asyncio; ``async with`` closes it."""

    __slots__ = ("_native",)

    def __init__(self, native):
        self._native = native

    async def query(self, wql):
        """An async iterator of rows, fetched batch by batch."""
        rows = await self._native.query_async(wql)
        async for row in rows:
            yield row

    async def get(self, path):
        return await self._native.get_async(path)

    async def call(self, path, method, **params):
        return await self._native.call_async(path, method, params)

    async def close(self):
        await self._native.close_async()

    @property
    def healthy(self):
        return self._native.healthy

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False

    def __repr__(self):
        return repr(self._native)


async def connect(host, user, password=None, **kwargs):
    """As ``rwmi.connect``, awaited."""
    return Connection(await _rwmi.connect_async(host, **_connect_kwargs(user, password, kwargs)))


async def doctor(host, user, password=None, **kwargs):
    """As ``rwmi.doctor``, awaited."""
    return await _rwmi.doctor_async(host, **_connect_kwargs(user, password, kwargs))


def query_many(hosts, wql, user, password=None, concurrency=64, **kwargs):
    """As ``rwmi.query_many``; use ``async for``."""
    return _rwmi.query_many(
        list(hosts), wql, concurrency, **_connect_kwargs(user, password, kwargs)
    )
