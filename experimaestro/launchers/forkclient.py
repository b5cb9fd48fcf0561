"""The driver's side of the fork server (see forkserver.py)."""

import asyncio
import json
import os
import signal
import sys

from experimaestro.processes import pid_alive as _alive

from . import LauncherProcess


class ForkedProcess(LauncherProcess):
    def __init__(self, pid: int, exited: asyncio.Future):
        self.pid = pid
        self.exited = exited

    async def wait(self) -> int:
        code = await self.exited
        if code is None:
            # The server died: follow the process ourselves
            while _alive(self.pid):
                await asyncio.sleep(0.2)
            return -1
        return code

    def kill(self):
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def pid_record(self) -> dict:
        return {"type": "local", "pid": self.pid}


class ForkClient:
    """One fork server per event loop (started on first use)."""

    def __init__(self, env: dict):
        self.env = env
        self.process = None
        self.started = asyncio.Event()
        self._next = 0
        self._pids = {}
        self._exits = {}
        self._early_exits = {}
        self._reader = None

    async def start(self):
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "experimaestro.launchers.forkserver",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=self.env,
            start_new_session=True,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self):
        stream = self.process.stdout
        while True:
            line = await stream.readline()
            if not line:
                break
            msg = json.loads(line)
            if "exit" in msg:
                fut = self._exits.pop(msg["pid"], None)
                if fut is None:
                    self._early_exits[msg["pid"]] = msg["exit"]
                elif not fut.done():
                    fut.set_result(msg["exit"])
            else:
                fut = self._pids.pop(msg["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(msg["pid"])
        # The server is gone: nobody will report exits any more
        for fut in list(self._exits.values()) + list(self._pids.values()):
            if not fut.done():
                fut.set_result(None)
        self._exits.clear()
        self._pids.clear()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def spawn(self, jobdir: str, stdout: str, stderr: str, env: dict) -> ForkedProcess:
        loop = asyncio.get_running_loop()
        self._next += 1
        rid = self._next
        pid_future = loop.create_future()
        self._pids[rid] = pid_future
        request = {"id": rid, "jobdir": jobdir, "stdout": stdout, "stderr": stderr, "env": env}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        await self.process.stdin.drain()
        pid = await pid_future
        if pid is None:
            raise RuntimeError("the fork server stopped")
        exited = loop.create_future()
        if pid in self._early_exits:
            exited.set_result(self._early_exits.pop(pid))
        else:
            self._exits[pid] = exited
        return ForkedProcess(pid, exited)

    async def close(self):
        if self.process is not None and self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except asyncio.TimeoutError:
                self.process.kill()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
