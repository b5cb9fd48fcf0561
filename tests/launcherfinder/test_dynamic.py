"""DynamicLauncher: selection by priority, sampling, update(), delegation, slots."""

import asyncio
import collections

import pytest

from experimaestro.launchers import Launcher, LauncherProcess
from experimaestro.launchers.direct import DirectLauncher
from experimaestro.launchers.dynamic import DynamicLauncher


class FakeProcess(LauncherProcess):
    def __init__(self, name):
        self.name = name
        self.done = asyncio.Event()
        self.killed = False

    async def wait(self) -> int:
        await self.done.wait()
        return 0

    def kill(self):
        self.killed = True

    def pid_record(self) -> dict:
        return {"type": "fake", "pid": self.name}


class FakeLauncher(Launcher):
    def __init__(self, name, priority=0, limit=None):
        super().__init__(priority=priority)
        self.name = name
        self.limit = limit
        self.launched = []

    async def launch(self, job):
        process = FakeProcess(f"{self.name}:{job}")
        self.launched.append(process)
        return process

    def max_concurrent(self):
        return self.limit

    def __repr__(self):
        return f"FakeLauncher({self.name!r})"


def counts(dynamic, n=2000):
    return collections.Counter(dynamic.select().name for _ in range(n))


def test_priority_defaults_to_zero():
    assert FakeLauncher("a").priority == 0
    assert DirectLauncher().priority == 0
    assert DirectLauncher(priority=3).priority == 3


def test_highest_priority_wins():
    a, b, c = FakeLauncher("a", 1), FakeLauncher("b", 10), FakeLauncher("c", 5)
    dynamic = DynamicLauncher([a, b, c])
    assert all(dynamic.select() is b for _ in range(50))


def test_negative_priorities_are_fine_without_sampling():
    a, b = FakeLauncher("a", -5), FakeLauncher("b", -1)
    assert DynamicLauncher([a, b]).select() is b


def test_ties_are_broken_uniformly():
    launchers = [FakeLauncher("a", 3), FakeLauncher("b", 3), FakeLauncher("c", 3), FakeLauncher("low", 1)]
    n = 3000
    seen = counts(DynamicLauncher(launchers, seed=1), n)
    assert set(seen) == {"a", "b", "c"}
    for name in "abc":
        # Each has probability 1/3: with n = 3000, a deviation of 5 standard deviations
        # (5 * sqrt(n * 1/3 * 2/3) ~ 130) would be extraordinary
        assert abs(seen[name] - n / 3) < 130, seen


def test_sampling_is_proportional_to_priority():
    fast, slow = FakeLauncher("fast", 10), FakeLauncher("slow", 1)
    n = 5000
    seen = counts(DynamicLauncher([fast, slow], sample=True, seed=42), n)
    # p(fast) = 10/11: expected 4545, standard deviation ~ 20
    assert abs(seen["fast"] - n * 10 / 11) < 100, seen
    assert seen["fast"] + seen["slow"] == n


def test_sampling_three_launchers():
    launchers = [FakeLauncher("a", 1), FakeLauncher("b", 2), FakeLauncher("c", 7)]
    n = 10000
    seen = counts(DynamicLauncher(launchers, sample=True, seed=7), n)
    for name, p in (("a", 0.1), ("b", 0.2), ("c", 0.7)):
        sd = (n * p * (1 - p)) ** 0.5
        assert abs(seen[name] - n * p) < 5 * sd, seen


def test_fixed_seed_gives_the_same_choices():
    launchers = [FakeLauncher("a", 1), FakeLauncher("b", 1)]
    d1, d2 = DynamicLauncher(launchers, seed=3), DynamicLauncher(launchers, seed=3)
    assert [d1.select().name for _ in range(20)] == [d2.select().name for _ in range(20)]


def test_sampling_needs_positive_priorities():
    a, b = FakeLauncher("a", 2), FakeLauncher("b", 0)
    dynamic = DynamicLauncher([a, b], sample=True)
    with pytest.raises(ValueError) as info:
        dynamic.select()
    assert str(info.value) == (
        "DynamicLauncher(sample=True) draws launchers with a probability proportional to "
        "their priority, which must be positive: FakeLauncher('b') (priority 0)"
    )
    b.priority = -1
    with pytest.raises(ValueError, match=r"FakeLauncher\('b'\) \(priority -1\)"):
        dynamic.select()


def test_no_launcher():
    with pytest.raises(ValueError, match="DynamicLauncher has no launcher to choose from"):
        DynamicLauncher([]).select()


def test_only_launchers():
    with pytest.raises(TypeError, match="is not a Launcher"):
        DynamicLauncher(["slurm"])


def test_update_is_called_before_each_selection():
    class Flipping(DynamicLauncher):
        calls = 0

        def update(self):
            self.calls += 1
            for launcher in self._launchers:
                launcher.priority = 10 if (launcher.name == "a") == (self.calls % 2 == 1) else 0

    dynamic = Flipping([FakeLauncher("a"), FakeLauncher("b")])
    assert [dynamic.select().name for _ in range(4)] == ["a", "b", "a", "b"]
    assert dynamic.calls == 4


def test_update_can_change_the_list():
    class Growing(DynamicLauncher):
        def update(self):
            self._launchers.append(FakeLauncher(f"l{len(self._launchers)}", len(self._launchers)))

    dynamic = Growing([])
    assert dynamic.select().name == "l0"
    assert dynamic.select().name == "l1"


def test_is_a_launcher():
    dynamic = DynamicLauncher([FakeLauncher("a")], priority=4)
    assert isinstance(dynamic, Launcher)
    assert dynamic.priority == 4
    assert dynamic.max_concurrent() is None
    assert repr(dynamic) == "DynamicLauncher([FakeLauncher('a')], sample=False)"
    assert dynamic.launchers == dynamic._launchers


def test_setenv_reaches_the_launchers():
    a = FakeLauncher("a")
    dynamic = DynamicLauncher([a])
    dynamic.setenv("X", "1")
    assert dynamic.environ == {"X": "1"} and a.environ == {"X": "1"}


def test_launch_delegates_to_the_chosen_launcher():
    a, b = FakeLauncher("a", 1), FakeLauncher("b", 2)
    dynamic = DynamicLauncher([a, b])

    async def run():
        process = await dynamic.launch("job1")
        assert process.pid_record() == {"type": "fake", "pid": "b:job1"}
        process.kill()
        assert b.launched[0].killed
        b.launched[0].done.set()
        return await process.wait()

    assert asyncio.run(run()) == 0
    assert a.launched == [] and len(b.launched) == 1


def test_the_chosen_launcher_limits_itself():
    limited = FakeLauncher("limited", 1, limit=1)
    dynamic = DynamicLauncher([limited])

    async def run():
        first = await dynamic.launch("j1")
        second = asyncio.ensure_future(dynamic.launch("j2"))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not second.done() and len(limited.launched) == 1  # waits for a slot
        limited.launched[0].done.set()
        assert await first.wait() == 0
        process = await second
        assert len(limited.launched) == 2
        limited.launched[1].done.set()
        await process.wait()
        await dynamic.close()

    asyncio.run(run())


def test_a_failed_launch_frees_the_slot():
    class Broken(FakeLauncher):
        async def launch(self, job):
            raise OSError("cannot start")

    broken = Broken("broken", 1, limit=1)
    dynamic = DynamicLauncher([broken])

    async def run():
        for _ in range(2):
            with pytest.raises(OSError):
                await dynamic.launch("j")

    asyncio.run(run())


def test_close_closes_the_launchers():
    closed = []

    class Closing(FakeLauncher):
        async def close(self):
            closed.append(self.name)

    dynamic = DynamicLauncher([Closing("a"), Closing("b")])
    asyncio.run(dynamic.close())
    assert closed == ["a", "b"]


def test_real_jobs_through_a_dynamic_launcher(tmp_path):
    """An experiment whose launcher is a DynamicLauncher of two direct launchers."""
    from experimaestro import experiment
    from xpm_fixtures.tasks import Add

    class Counting(DirectLauncher):
        launched = 0

        async def launch(self, job):
            self.launched += 1
            return await super().launch(job)

    high = Counting(max_jobs=1, priority=2)
    low = Counting(max_jobs=1, priority=1)
    log = tmp_path / "log"
    with experiment(tmp_path / "ws", "dynamic", launcher=DynamicLauncher([high, low])):
        tasks = [Add.C(x=i, log=log) for i in range(3)]
        for task in tasks:
            task.submit()
    for i, task in enumerate(tasks):
        assert (task.__xpm__.job.path / "result.txt").read_text() == str(i)
    assert (high.launched, low.launched) == (3, 0)
    # high has max_jobs=1: the jobs ran one at a time
    spans = sorted(tuple(map(float, line.split()[:2])) for line in log.read_text().splitlines())
    assert len(spans) == 3
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
