"""Small real tasks for the scheduler tests; they record what they do in files."""

import os
import time
from pathlib import Path
from typing import Optional

from experimaestro import (
    Action,
    Config,
    GracefulTimeout,
    Interaction,
    Meta,
    Param,
    PathGenerator,
    Prepare,
    ResumableTask,
    SubmitHook,
    Task,
    field,
    param_group,
    partial,
)


def _append(path, line: str):
    # O_APPEND writes of one short line are atomic between processes
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


class Value(Config):
    x: Param[int]


class Add(Task):
    """Writes x + (the value of its dependency, if any) to result.txt."""

    x: Param[int]
    previous: Param[Optional[Value]]
    log: Meta[Optional[Path]]
    sleep: Meta[float] = field(default=0.0)

    def task_outputs(self, dep):
        return dep(Value.C(x=self.x))

    def execute(self):
        start = time.time()
        if self.sleep:
            time.sleep(self.sleep)
        base = 0
        if self.previous is not None:
            base = self.previous.x
        Path("result.txt").write_text(str(self.x + base))
        _append("executions.txt", str(os.getpid()))
        if self.log is not None:
            _append(self.log, f"{start} {time.time()} {self.x}")


class Join(Task):
    """Depends on two outputs (a diamond)."""

    a: Param[Value]
    b: Param[Value]

    def execute(self):
        Path("result.txt").write_text(str(self.a.x + self.b.x))
        _append("executions.txt", str(os.getpid()))


class Fail(Task):
    x: Param[int]

    def task_outputs(self, dep):
        return dep(Value.C(x=self.x))

    def execute(self):
        raise RuntimeError(f"failure on purpose (x={self.x})")


class Sleep(Task):
    """Sleeps, recording its start and end times in a shared log."""

    x: Param[int]
    duration: Meta[float] = field(default=0.3)
    log: Meta[Path]

    def task_outputs(self, dep):
        return dep(Value.C(x=self.x))

    def execute(self):
        start = time.time()
        time.sleep(self.duration)
        _append(self.log, f"{start} {time.time()} {self.x}")
        _append("executions.txt", str(os.getpid()))


class Wait(Task):
    """Writes started.txt then waits until the file `release` exists."""

    x: Param[int]
    release: Meta[Path]

    def task_outputs(self, dep):
        return dep(Value.C(x=self.x))

    def execute(self):
        _append("executions.txt", str(os.getpid()))
        Path("started.txt").write_text(str(os.getpid()))
        while not Path(self.release).exists():
            time.sleep(0.05)


class Env(Task):
    names: Param[list[str]]

    def execute(self):
        Path("env.txt").write_text(
            "\n".join(f"{n}={os.environ.get(n, '<unset>')}" for n in self.names)
        )


class sets_env(SubmitHook):
    """Sets an environment variable of the job; counts its calls in `calls`."""

    calls: list = []

    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def spec(self):
        return (self.name, self.value)

    def process(self, job, launcher):
        sets_env.calls.append((self.name, job.name, type(launcher).__name__))
        job.environ[self.name] = self.value


@sets_env("XPM_HOOKED", "from-hook")
class HookedEnv(Env):
    pass


class HookedEnvChild(HookedEnv):
    pass


@sets_env("XPM_HOOKED_MODEL", "model")
class HookedModel(Config):
    size: Param[int] = 1


class EnvWithModels(Env):
    models: Param[list[HookedModel]]


class Resumable(ResumableTask):
    """Raises GracefulTimeout until it has been started `attempts` times."""

    attempts: Param[int]

    def execute(self):
        _append("executions.txt", str(os.getpid()))
        n = len(Path("executions.txt").read_text().split())
        print(f"attempt {n}")
        if n < self.attempts:
            raise GracefulTimeout(f"checkpoint after attempt {n}")
        Path("result.txt").write_text(str(n))


class Progress(Task):
    """Reports progress with progress() and tqdm(), waiting for `release` at the end."""

    steps: Param[int]
    release: Meta[Path]

    def execute(self):
        from experimaestro import progress, tqdm

        progress(0.5, desc="warm-up")
        for _ in tqdm(range(self.steps), desc="steps"):
            time.sleep(0.01)
        _append("executions.txt", str(os.getpid()))
        while not Path(self.release).exists():
            time.sleep(0.05)


class Checkpointed(ResumableTask):
    """Runs `seconds` of work in steps, saving a checkpoint; resumes from it when retried."""

    seconds: Param[int]

    def execute(self):
        _append("executions.txt", str(os.getpid()))
        checkpoint = Path("checkpoint.txt")
        done = int(checkpoint.read_text()) if checkpoint.exists() else 0
        attempt = len(Path("executions.txt").read_text().split())
        while done < self.seconds:
            if attempt == 1 and done >= 2:
                time.sleep(3600)  # the first attempt runs into the time limit
            time.sleep(1)
            done += 1
            checkpoint.write_text(str(done))
        Path("result.txt").write_text(f"{done} after {attempt} attempts")


# -- dynamic outputs (register_task_output / watch_output)


class Checkpoint(Config):
    step: Param[int]


class Validation(Config):
    every: Param[int] = 1

    def checkpoint(self, dep, step: int):
        return dep(Checkpoint.C(step=step))


class Train(Task):
    """Announces a checkpoint at each step; after the first one, waits (at most 60 s) for
    the file `release` if given."""

    steps: Param[int]
    validation: Param[Validation]
    release: Meta[Optional[Path]] = None

    def execute(self):
        for step in range(1, self.steps + 1):
            Path(f"checkpoint-{step}.txt").write_text(str(step))
            self.register_task_output(self.validation.checkpoint, step=step)
            if step == 1 and self.release is not None:
                deadline = time.time() + 60
                while not Path(self.release).exists():
                    if time.time() > deadline:
                        raise TimeoutError("not released: the evaluation did not run")
                    time.sleep(0.05)


class BadOutput(Task):
    validation: Param[Validation]

    def execute(self):
        self.register_task_output(self.validation.checkpoint, step=Path("/not/json"))


class Evaluate(Task):
    checkpoint: Param[Checkpoint]
    release: Meta[Optional[Path]] = None

    def execute(self):
        _append("executions.txt", str(os.getpid()))
        Path("evaluated.txt").write_text(str(self.checkpoint.step))
        if self.release is not None:
            Path(self.release).write_text("go")


# -- Prepare (tests/scheduler/test_prepare.py) ------------------------------------


class Download(Prepare):
    """A 'dataset' fetched into `folder`; each call of prepare() is logged with its pid."""

    name: Param[str]
    folder: Meta[Path]

    def prepare(self):
        _append(Path(self.folder) / "prepare-calls.txt", f"{self.name} {os.getpid()}")
        (Path(self.folder) / f"{self.name}.txt").write_text(f"data of {self.name}")

    def is_prepared(self) -> bool:
        return (Path(self.folder) / f"{self.name}.txt").exists()


class Unchecked(Prepare):
    """A preparation that cannot tell whether it already happened."""

    name: Param[str]
    folder: Meta[Path]

    def prepare(self):
        _append(Path(self.folder) / "prepare-calls.txt", f"{self.name} {os.getpid()}")


class BrokenDownload(Prepare):
    name: Param[str]

    def prepare(self):
        raise ConnectionError(f"cannot reach the server of {self.name}")


class Corpus(Config):
    """A configuration holding a Prepare (found through it)."""

    source: Param[Prepare]


class UseData(Task):
    """Copies the prepared data of `data` (a Download, or a Corpus of one) to result.txt."""

    data: Param[Config]
    x: Param[int] = 0
    result: Meta[Path] = field(default_factory=PathGenerator("result.txt"))

    def execute(self):
        data = self.data.source if isinstance(self.data, Corpus) else self.data
        if isinstance(data, Download):
            text = (Path(data.folder) / f"{data.name}.txt").read_text()
        else:
            text = f"used {data.name}"
        Path(self.result).write_text(text)


# -- Actions (tests/scheduler/test_actions.py) -------------------------------------


class Publish(Action):
    """Copies the result of an Add task to a folder chosen by the user."""

    source: Param[Add]
    result: Meta[Path]

    def describe(self) -> str:
        return f"publish the result of Add(x={self.source.x})"

    def execute(self, interaction: Interaction) -> None:
        folder = Path(interaction.text("folder", "Where to publish?"))
        fmt = interaction.choice("format", "Format?", ["txt", "md"])
        if interaction.checkbox("confirm", "Really publish?", default=False):
            text = Path(self.result).read_text()
            (folder / f"published.{fmt}").write_text(text)


class Note(Action):
    """An action that only describes itself."""

    text: Param[str]

    def describe(self) -> str:
        return f"note: {self.text}"

    def execute(self, interaction: Interaction) -> None:
        print(self.text)


steps = param_group("steps")


class SharedCheckpoints(Task):
    """Sleeps, recording its span; runs differing only in `steps` share a partial
    folder (their checkpoints)."""

    checkpoints = partial(exclude_groups=[steps])

    steps: Param[int] = field(groups=[steps])
    size: Param[int] = field(default=1)
    log: Meta[Path]
    folder: Meta[Path] = field(default_factory=PathGenerator("ckpt", partial=checkpoints))

    def execute(self):
        start = time.time()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{self.steps}.txt").write_text("done")
        time.sleep(0.5)
        _append(self.log, f"{start} {time.time()} {self.size * 100 + self.steps}")


# -- names 2.x gives the running task (tests/scheduler/test_task_side.py) -------------


class Layer(Config):
    size: Param[int]


class Names(Task):
    """Writes names.json: what the running task knows of itself."""

    layer: Param[Layer]
    lr: Param[float]

    def execute(self):
        import json

        Path("names.json").write_text(json.dumps({
            "taskdir": str(self.__taskdir__), "maintaskdir": str(self.__maintaskdir__),
            "cwd": os.getcwd(), "tags": dict(self.__tags__),
            "layer_tags": dict(self.layer.__tags__),
        }))


class FixedTimeLeft:
    """Launcher information (as SlurmInfo) with a time limit always 1000 s away."""

    def remaining_time(self):
        return 1000.0


class CatchCancel(Task):
    """Waits for SIGTERM; records the TaskCancelled it gets (its remaining_time), then
    lets it through, or returns when `swallow`."""

    x: Param[int]
    swallow: Meta[bool] = False

    def execute(self):
        from experimaestro import TaskCancelled

        Path("started.txt").write_text(str(os.getpid()))
        try:
            while True:
                time.sleep(0.05)
        except TaskCancelled as e:
            Path("cancelled.txt").write_text(repr(e.remaining_time))
            if not self.swallow:
                raise


class Metrics(Task):
    """Records `epochs` values of a loss (one per epoch) and an artifact; with `forever`,
    records until killed (started.txt holds its pid once the first value is written)."""

    epochs: Param[int]
    forever: Meta[bool] = False

    def execute(self):
        from experimaestro import log_artifact, log_metric

        Path("model.txt").write_text("weights")
        log_artifact("model.txt", name="model")
        epoch = 0
        while self.forever or epoch < self.epochs:
            log_metric("loss", 1.0 / (epoch + 1), step=epoch)
            if epoch == 0:
                Path("started.txt").write_text(str(os.getpid()))
            epoch += 1
        log_metric("accuracy", 0.9)


# -- results (tests/index/) ---------------------------------------------------------


class MLP(Config):
    hidden: Param[int]


class Fit(Task):
    """Trains nothing: records a `loss` per step, a `val` metric whose highest step is
    not the last recorded, and an `accuracy` computed from its parameters; with
    `diverge`, records its first loss then fails; fails at once while the file `fail_if`
    exists."""

    lr: Param[float]
    model: Param[MLP]
    steps: Param[int] = 3
    diverge: Param[bool] = False
    fail_if: Meta[Optional[Path]] = None

    def execute(self):
        from experimaestro import log_metric

        if self.fail_if is not None and Path(self.fail_if).exists():
            raise RuntimeError(f"{self.fail_if} exists")
        for step in range(self.steps):
            log_metric("loss", round(self.lr * 10 / (step + 1), 6), step=step)
            if self.diverge:
                raise FloatingPointError("the loss diverged")
        log_metric("val", 0.5, step=10)
        log_metric("val", 0.25, step=5)  # (a lower step recorded later)
        log_metric("accuracy", round(1 - self.lr - (0.1 if self.model.hidden < 64 else 0), 6))


class Gated(Task):
    """Records `loss` = its step at each of `steps` steps; before step i > 0, waits until
    the file `gate` holds a number >= i (at most 120 s); then records `final`."""

    steps: Param[int]
    gate: Meta[Path]

    def execute(self):
        from experimaestro import log_metric

        for step in range(self.steps):
            if step:
                deadline = time.time() + 120
                while not _gate_open(self.gate, step):
                    if time.time() > deadline:
                        raise TimeoutError(f"the gate did not open for step {step}")
                    time.sleep(0.02)
            log_metric("loss", float(step), step=step)
        log_metric("final", 1)


def _gate_open(gate: Path, step: int) -> bool:
    try:
        return int(Path(gate).read_text() or 0) >= step
    except (OSError, ValueError):
        return False
