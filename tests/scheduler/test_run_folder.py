"""The run folder as 2.x's API shows it: xp.workdir, jobspath, resultspath, save, load."""

import pytest

from experimaestro import RunMode, experiment
from xpm_fixtures.tasks import Add


def test_workdir_is_the_run_folder_and_jobspath_its_links(tmp_path):
    xp = experiment(tmp_path, "runs")
    with pytest.raises(RuntimeError, match=r"exists only inside the `with experiment"):
        xp.workdir
    with xp:
        task = Add.C(x=1)
        task.submit()
        assert xp.workdir == xp.run_path == tmp_path / "experiments" / "runs" / \
            xp.run_path.name
        assert xp.workspace.path == tmp_path
    job = task.__xpm__.job
    link = xp.jobspath / job.type_id / job.identifier
    assert link.resolve() == job.path.resolve()
    assert (xp.workdir / "results").exists() is False  # created on first use only
    with experiment(tmp_path, "runs") as again:
        assert again.resultspath == again.workdir / "results" and again.resultspath.is_dir()
        assert again.workdir != xp.workdir


def test_dry_run_has_a_workdir_but_writes_nothing(tmp_path):
    with experiment(tmp_path, "dry", run_mode=RunMode.DRY_RUN) as xp:
        assert xp.workdir.parent == tmp_path / "experiments" / "dry"
        with pytest.raises(RuntimeError, match=r"xp.resultspath is not available in"
                                                r" dry-run mode"):
            xp.resultspath
        xp.save([Add.C(x=1)], "ignored")
    assert not (tmp_path / "experiments").exists()


def test_load_says_what_is_missing(tmp_path):
    with experiment(tmp_path, "reader") as xp:
        with pytest.raises(FileNotFoundError, match=r"experiment 'nope' has no run in"):
            xp.load("nope")
        with pytest.raises(FileNotFoundError, match=r"nothing saved under 'mine' in .*reader"
                                                    r".*xp.save\(obj, 'mine'\) writes it"):
            xp.load("reader", "mine")


def test_load_xp_info_keeps_shared_configurations_shared(tmp_path):
    """Two jobs holding the same configuration get it back as one object (objects.jsonl
    is read at once), as analysis code of 2.x expects."""
    from experimaestro import load_xp_info
    from xpm_fixtures.tasks import Value

    shared = Value.C(x=5)
    with experiment(tmp_path, "shared") as xp:
        first, second = Add.C(x=1, previous=shared), Add.C(x=2, previous=shared)
        first.submit()
        second.submit()
    info = load_xp_info(xp.workdir)
    a, b = info.jobs[first.__xpm__.job.identifier], info.jobs[second.__xpm__.job.identifier]
    assert a.previous is b.previous and a.previous.x == 5
    assert a.__identifier__() == first.__identifier__()


def test_a_run_waits_for_a_2x_run_of_the_same_experiment(tmp_path, caplog):
    """experimaestro 2.x holds the experiment's lock with flock (ours also takes lockf):
    a run waits while a 2.x run of the same experiment goes on."""
    import logging
    import subprocess
    import sys

    lock = tmp_path / "experiments" / "shared" / "lock"
    lock.parent.mkdir(parents=True)
    released = tmp_path / "released"
    holder = subprocess.Popen([sys.executable, "-c", f"""
import fcntl, os, sys, time
fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(1.0)
open({str(released)!r}, "w").close()
os.close(fd)
"""], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with caplog.at_level(logging.WARNING):
        with experiment(tmp_path, "shared"):
            assert released.exists()  # (entered only once the 2.x run let go)
    holder.wait(30)
    assert "experiment shared is running elsewhere: waiting for it" in caplog.text
