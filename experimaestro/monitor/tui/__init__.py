"""The terminal monitor (Textual): experiments, their jobs (searched, sorted, a page at a
time), a job's details and logs, kill and clean, services; kept up to date by file
events (``watch.ModelWatcher``).

``run(workdir)`` is what ``experimaestro experiments monitor --console`` calls; tests
build ``app.MonitorApp(model)`` and drive it with ``run_test()``. Textual comes with the
``monitor`` extra: this module imports it only once ``require_extra`` has said it is
there (the error names the extra to install)."""

import threading
from pathlib import Path
from typing import Optional, Union

from experimaestro.monitor import require_extra
from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.watch import ModelWatcher

__all__ = ["run"]


def run(workdir: Union[str, Path], *, experiment: Optional[str] = None) -> None:
    """Monitor the workspace ``workdir`` in the terminal until the user quits (``q``);
    ``experiment``: open the jobs of this experiment first (when it has no run yet: once
    it has one)."""
    require_extra("textual")
    # (imported here: without the extra, require_extra has raised a clear error)
    from .app import MonitorApp

    workdir = Path(workdir).expanduser()
    if not (workdir / "jobs").is_dir() and not (workdir / "experiments").is_dir():
        raise FileNotFoundError(f"{workdir} is not an experimaestro workspace (no jobs/ nor"
                                " experiments/ folder): give the --workdir of the experiments")
    model = MonitorModel(workdir)
    watcher = ModelWatcher(model)
    # The workspace is read while the terminal UI starts (its tables fill once it is
    # read: 0.7 s at 100,000 jobs, as long as Python and Textual take to start)
    loader = threading.Thread(target=_load, args=(model, watcher), daemon=True,
                              name="xpm-monitor-load")
    loader.start()
    try:
        MonitorApp(model, experiment=experiment).run()
    finally:
        loader.join()
        watcher.stop()
        model.close()


def _load(model: MonitorModel, watcher: ModelWatcher):
    try:
        model.load()
    except Exception as exc:  # shown by the app (model.load_error), which stays up
        model.fail_load(exc)
        return
    watcher.start()
