"""Server-sent events: the model's changes, handed from the thread that read them to the
event loop, gathered per client and sent at most every MIN_INTERVAL seconds."""

import asyncio
import json
from typing import Optional, Set

__all__ = ["EventHub", "MIN_INTERVAL", "KEEP_ALIVE"]

#: at most one event per client this often (changes in between are merged)
MIN_INTERVAL = 0.25
#: a comment this often keeps proxies and the browser from closing an idle stream
KEEP_ALIVE = 15.0
#: above this many changed jobs, an event says "all" (the page reads what it shows)
MAX_KEYS = 200


class _Client:
    """What changed since the last event sent to one client."""

    def __init__(self):
        self.keys: Set[str] = set()
        self.all = False
        self.wake = asyncio.Event()

    def add(self, keys):
        if keys is None:
            self.all = True
        else:
            self.keys.update(f"{t}/{i}" for t, i in keys)
        self.wake.set()

    def take(self) -> dict:
        everything = self.all or len(self.keys) > MAX_KEYS
        data = {"all": True} if everything else {"keys": sorted(self.keys)}
        self.keys, self.all = set(), False
        self.wake.clear()
        return data


class EventHub:
    """The model's listener for every connected page (started in the event loop)."""

    def __init__(self, model):
        self.model = model
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.clients: Set[_Client] = set()
        self.closed = False
        self._unsubscribe = None

    def start(self):
        self.loop = asyncio.get_running_loop()
        self._unsubscribe = self.model.subscribe(self._changed)

    def close(self):
        """Ends every stream (the server is stopping): call in the event loop."""
        self.closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for client in self.clients:
            client.wake.set()

    def close_threadsafe(self):
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self.close)
            except RuntimeError:  # the loop has just closed
                pass

    def _changed(self, keys):
        # called from the model's thread (watcher, or a request's worker thread)
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._dispatch, None if keys is None else set(keys))
        except RuntimeError:
            pass

    def _dispatch(self, keys):
        for client in self.clients:
            client.add(keys)

    async def stream(self):
        """The text of one client's event stream, until the server stops (the response
        cancels it when the client goes)."""
        client = _Client()
        self.clients.add(client)
        try:
            yield f"retry: 2000\nevent: hello\ndata: {json.dumps({'version': self.model.version})}\n\n"
            while not self.closed:
                try:
                    await asyncio.wait_for(client.wake.wait(), KEEP_ALIVE)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if self.closed:
                    break
                data = client.take()
                data["version"] = self.model.version
                yield f"event: change\ndata: {json.dumps(data)}\n\n"
                await asyncio.sleep(MIN_INTERVAL)
        finally:
            self.clients.discard(client)
