"""Jobs sharing a partial folder (param_group / partial): the folder of 2.x, and one job
at a time in it, as 2.x serializes them."""

from experimaestro import experiment
from experimaestro.launchers.direct import DirectLauncher

from scheduler.helpers import intervals
from xpm_fixtures.tasks import SharedCheckpoints


def test_jobs_sharing_a_partial_folder_run_one_at_a_time(tmp_path):
    log = tmp_path / "spans.log"
    with experiment(tmp_path / "ws", "partials", launcher=DirectLauncher(max_jobs=4)):
        tasks = [SharedCheckpoints.C(steps=n, log=log) for n in (1, 2, 3)]
        other = SharedCheckpoints.C(steps=1, size=2, log=log)  # another partial folder
        for task in [*tasks, other]:
            task.submit()
    folder = tasks[0].folder
    assert {t.folder for t in tasks} == {folder} and other.folder != folder
    assert folder.relative_to(tmp_path / "ws").parts[:3] == (
        "partials", SharedCheckpoints.__xpmtype__.identifier, "checkpoints")
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".txt") == [
        "1.txt", "2.txt", "3.txt"]
    spans = {x: (start, end) for start, end, x in intervals(log)}
    shared = sorted(spans[x] for x in (101, 102, 103))
    for (_, end), (next_start, _) in zip(shared, shared[1:]):
        assert end <= next_start, f"two jobs were in the same partial folder at once: {shared}"
    # the job of another folder did not wait for them all
    assert spans[201][0] < shared[-1][0]
