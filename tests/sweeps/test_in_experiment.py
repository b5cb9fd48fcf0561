"""A sweep in a `with experiment(...)` loop: one job per case, tagged with the values
that vary and the case's index; a case rebuilt from its index is the one that ran."""

from pathlib import Path

from experimaestro import experiment, tags
from experimaestro.sweeps import Grid, RandInt, Sample
from xpm_fixtures.tasks import Add


def test_one_job_per_case(tmp_path):
    sweep = Grid(x=[1, 2]) + Sample(3, seed=11, x=RandInt(10, 99))
    submitted = {}
    with experiment(tmp_path, "sweep"):
        for case in sweep.cases():
            task = case.tag(Add.C(**case.params), index="case")
            task.submit()
            submitted[case.index] = task
    assert sorted(submitted) == [0, 1, 2, 3, 4]
    for index, task in submitted.items():
        assert tags(task) == {"x": sweep[index]["x"], "case": index}
        result = Path(task.__xpm__.job.path) / "result.txt"
        assert int(result.read_text()) == sweep[index]["x"]
    assert len({task.__identifier__().hex() for task in submitted.values()}) == len(
        {params["x"] for params in sweep})


def test_rerunning_one_case_finds_its_job_done(tmp_path):
    sweep = Grid(x=[5, 6, 7])
    with experiment(tmp_path, "sweep"):
        first = [Add.C(**params) for params in sweep]
        for task in first:
            task.submit()
    with experiment(tmp_path, "sweep"):
        again = Add.C(**sweep[2])  # case 2, rebuilt from its index
        again.submit()
        assert again.__xpm__.job.path == first[2].__xpm__.job.path
    executions = Path(again.__xpm__.job.path) / "executions.txt"
    assert len(executions.read_text().split()) == 1  # run once
