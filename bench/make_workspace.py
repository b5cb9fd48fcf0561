"""Writes a workspace of N finished jobs, quickly, in the layout that both experimaestro
2.x and ours read (see bench/README.md, "results"): for the benchmarks of `jobs list`,
the workspace index and `experimaestro results` on large workspaces.

    python bench/make_workspace.py /tmp/ws100k --jobs 100000 [--experiments 1] [--force]
    PYTHONPATH=. python bench/make_workspace.py --check   # params.json == our core's

Standard library only (no experimaestro needed): the files are written directly, from
templates of what our core writes for the task classes of bench/tasks.py (Train,
Evaluate, Preprocess; params.json version 3, equal to what our core's params_dict writes
for the same configurations: `--check` compares them):

- `jobs/<type id>/<64 hex>/`: `params.json`, `<name>.out`, `<name>.err`,
  `.experimaestro/metrics.jsonl` (a few `{"metric", "value", "step", "time"}` lines, as
  `log_metric` appends them), and `<name>.done` (most jobs) or `<name>.failed` (JSON
  `{"code": 1, "reason": "failed", "message": ...}`, FAILED_FRACTION of them);
- `experiments/<xp>/<run id>/`: `jobs.jsonl` (job_id, task_id, tags, timestamp),
  `objects.jsonl`, `status.json` (status done, job_states), `environment.json`, the links
  `jobs/<type id>/<hex>`, and `experiments/<xp>/current -> <run id>` and `lock`;
- `.__experimaestro__`.

No `<name>.lock` (no reader needs it) and no 2.x `.experimaestro/status.json` in the job
folders (ours does not write one; 2.7.0 then takes the times from the files' mtimes).
Most of the time is the kernel's: on this VM's ext4, about 70 us per file created and
300 us per symlink (its target is longer than an inline symlink).

The identifiers are NOT the hashes of the parameters: they are random (seeded) 64-digit
hex strings, so that writing 100,000 jobs does not need experimaestro. Nothing in a
listing checks them (neither 2.7.0 nor ours recomputes an identifier when reading a
workspace); a rerun of the same configurations would not find these jobs.

Tags (in jobs.jsonl and params.json), chosen with a seeded random generator:
- `model`: one of MODELS (10 strings) for train and evaluate jobs: `model = "bert"`
  selects about 9.5% of the jobs;
- `dataset`: one of DATASETS (10 strings), every job: `model = "bert" and dataset =
  "msmarco"` selects about 0.95%;
- `lr`: one of LRS (floats), train jobs only;
- `seed`: the job's number (an int, unique).
2.7.0 compares tag values as they are in jobs.jsonl with the quoted string of the filter,
so its tag filters only match string tags (model, dataset), not lr or seed.
"""

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

MODELS = ["bert", "t5", "roberta", "electra", "deberta", "distilbert", "albert", "xlnet",
          "gpt2", "bart"]
DATASETS = ["msmarco", "trec-dl-19", "trec-dl-20", "robust04", "nq", "hotpotqa", "fiqa",
            "scifact", "nfcorpus", "quora"]
LRS = [1e-2, 1e-3, 3e-4, 1e-4, 5e-5]
#: (type id, marker name, class name, share of the jobs)
TYPES = [("bench.tasks.train", "train", "Train", 0.70),
         ("bench.tasks.evaluate", "evaluate", "Evaluate", 0.25),
         ("bench.tasks.preprocess", "preprocess", "Preprocess", 0.05)]
FAILED_FRACTION = 0.02
EXPERIMAESTRO_VERSION = "2.8.0"  # the "experimaestro" field of params.json
RUN_ID = "20261201_120000"
#: Submission times: one job every SPACING seconds from START
START, SPACING = 1796000000.0, 0.05


def hexid(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def job_parameters(rng: random.Random, number: int):
    """(type index, fields of the task, fields of its Model or None, tags)"""
    r = rng.random()
    kind = 0 if r < TYPES[0][3] else 1 if r < TYPES[0][3] + TYPES[1][3] else 2
    model, dataset = rng.choice(MODELS), rng.choice(DATASETS)
    if kind == 0:
        lr = rng.choice(LRS)
        return (kind, {"lr": lr, "seed": number, "epochs": 10, "dataset": dataset},
                {"name": model, "hidden": 256, "dropout": 0.1},
                {"model": model, "dataset": dataset, "lr": lr, "seed": number})
    if kind == 1:
        return (kind, {"dataset": dataset, "seed": number},
                {"name": model, "hidden": 256, "dropout": 0.1},
                {"model": model, "dataset": dataset, "seed": number})
    return (kind, {"dataset": dataset, "seed": number}, None,
            {"dataset": dataset, "seed": number})


def params_json(workspace: str, kind: int, identifier: str, model_id: str, fields: dict,
                model: dict, tags: dict) -> dict:
    """params.json as our core writes it (version 3): the Model record first (when the
    task has one), then the task's record, then the tags."""
    _, _, cls, _ = TYPES[kind]
    objects = []
    if model is not None:
        objects.append({"id": 0, "module": "tasks", "type": "Model",
                        "typename": "tasks.Model", "identifier": model_id,
                        "fields": model})
        fields = {"model": {"type": "python", "value": 0}, **fields}
    objects.append({"id": len(objects), "module": "tasks", "type": cls,
                    "typename": f"tasks.{cls}", "identifier": identifier,
                    "fields": fields})
    return {"workspace": workspace, "version": 3, "experimaestro": EXPERIMAESTRO_VERSION,
            "objects": objects, "tags": tags}


def metric_lines(rng: random.Random, kind: int, failed: bool, t: float) -> str:
    lines = []
    if kind == 0:
        loss = 2.0 + rng.random()
        for step in range(1, 4 if not failed else 2):
            loss *= 0.5 + 0.3 * rng.random()
            lines.append({"metric": "loss", "value": round(loss, 6), "step": step,
                          "time": t + step})
        if not failed:
            lines.append({"metric": "accuracy", "value": round(rng.random(), 6),
                          "step": None, "time": t + 4})
    elif kind == 1 and not failed:
        lines.append({"metric": "ndcg@10", "value": round(rng.random(), 6), "step": None,
                      "time": t + 1})
        lines.append({"metric": "mrr", "value": round(rng.random(), 6), "step": None,
                      "time": t + 1})
    return "".join(json.dumps(line) + "\n" for line in lines)


def write(path: str, text: str):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if text:
            os.write(fd, text.encode())
    finally:
        os.close(fd)


def write_jobs(chunk):
    ws, plan = chunk
    for number, kind, identifier, failed, submitted, params, metrics in plan:
        type_id, name, cls, _ = TYPES[kind]
        folder = os.path.join(ws, "jobs", type_id, identifier)
        os.makedirs(os.path.join(folder, ".experimaestro"))
        write(os.path.join(folder, "params.json"), json.dumps(params, indent=1))
        write(os.path.join(folder, f"{name}.out"), f"{cls} job {number}\n")
        err = (f"INFO:xpm:running {type_id}\n" if not failed else
               f"Traceback (most recent call last):\nRuntimeError: job {number} diverged\n")
        write(os.path.join(folder, f"{name}.err"), err)
        write(os.path.join(folder, ".experimaestro", "metrics.jsonl"), metrics)
        if failed:
            write(os.path.join(folder, f"{name}.failed"), json.dumps(
                {"code": 1, "reason": "failed",
                 "message": f"RuntimeError: job {number} diverged"}))
        else:
            write(os.path.join(folder, f"{name}.done"), "")
        os.utime(os.path.join(folder, "params.json"), (submitted, submitted))


def generate(workdir: Path, n: int, experiments: int = 1, seed: int = 0) -> dict:
    """Writes the workspace; returns counts (jobs, done, failed, per type)."""
    rng = random.Random(seed)
    workdir = workdir.absolute()
    ws = str(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    Path(ws, ".__experimaestro__").touch()
    for type_id, *_ in TYPES:
        os.makedirs(os.path.join(ws, "jobs", type_id), exist_ok=True)
    # One Model config per model name (shared by the jobs, as in a real experiment)
    model_ids = {m: hexid(rng) for m in MODELS}
    xps = [f"bench-{i}" if experiments > 1 else "bench" for i in range(experiments)]
    runs = {}
    for xp in xps:
        run = os.path.join(ws, "experiments", xp, RUN_ID)
        for type_id, *_ in TYPES:
            os.makedirs(os.path.join(run, "jobs", type_id), exist_ok=True)
        runs[xp] = {"path": run, "jobs": open(os.path.join(run, "jobs.jsonl"), "w"),
                    "objects": open(os.path.join(run, "objects.jsonl"), "w"),
                    "states": {}, "models": {}, "next_id": 0}
    counts = {"jobs": n, "done": 0, "failed": 0}
    plan = []  # what each job folder holds, written by write_jobs
    for number in range(n):
        kind, fields, model, tags = job_parameters(rng, number)
        type_id = TYPES[kind][0]
        identifier = hexid(rng)
        failed = rng.random() < FAILED_FRACTION
        submitted = START + number * SPACING
        model_id = model_ids[model["name"]] if model else None
        params = params_json(ws, kind, identifier, model_id, fields, model, tags)
        plan.append((number, kind, identifier, failed, submitted, params,
                     metric_lines(rng, kind, failed, submitted)))
        counts["failed" if failed else "done"] += 1
        counts[type_id] = counts.get(type_id, 0) + 1

        xp = runs[xps[number % len(xps)]]
        os.symlink(os.path.join("..", "..", "..", "..", "..", "jobs", type_id, identifier),
                   os.path.join(xp["path"], "jobs", type_id, identifier))
        xp["jobs"].write(json.dumps({"job_id": identifier, "task_id": type_id,
                                     "tags": tags, "timestamp": submitted}) + "\n")
        # objects.jsonl: each object once per run (the shared Model configs too)
        records = params["objects"]
        ids = {}
        if model is not None:
            if model_id not in xp["models"]:
                xp["models"][model_id] = xp["next_id"]
                xp["next_id"] += 1
                xp["objects"].write(json.dumps(dict(records[0], id=xp["models"][model_id]))
                                    + "\n")
            ids = {"model": {"type": "python", "value": xp["models"][model_id]}}
        task = dict(records[-1], id=xp["next_id"], fields={**records[-1]["fields"], **ids})
        xp["next_id"] += 1
        xp["objects"].write(json.dumps(task) + "\n")
        xp["states"][identifier] = "error" if failed else "done"

    # The job folders (writing them from 2 processes was twice slower here: the kernel
    # serialises the creations in one directory)
    write_jobs((ws, plan))

    end = START + n * SPACING
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(START))
    iso_end = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(end))
    for xp, run in runs.items():
        run["jobs"].close()
        run["objects"].close()
        status = "failed" if any(s != "done" for s in run["states"].values()) else "done"
        write(os.path.join(run["path"], "status.json"), json.dumps({
            "version": 1, "experiment_id": xp, "run_id": RUN_ID, "status": status,
            "hostname": "bench", "started_at": iso, "ended_at": iso_end,
            "job_states": run["states"], "services": {}, "actions": {}, "run_tags": [],
            "last_updated": iso_end}, indent=1))
        write(os.path.join(run["path"], "environment.json"), json.dumps({
            "python": sys.version, "host": "bench", "experiment": xp, "started": iso,
            "status": status, "ended": iso_end}, indent=1))
        xpdir = os.path.join(ws, "experiments", xp)
        os.symlink(RUN_ID, os.path.join(xpdir, "current"))
        write(os.path.join(xpdir, "lock"), "")
    return counts


def check() -> int:
    """Compares params_json() with what our core writes for the classes of tasks.py (the
    same configurations; the identifiers are the real ones there). Needs our package."""
    sys.path.insert(0, str(Path(__file__).parent))
    from tasks import Evaluate, Model, Preprocess, Train

    from experimaestro.core.serialization import params_dict

    rng, problems = random.Random(0), 0
    for number in range(30):
        kind, fields, model, tags = job_parameters(rng, number)
        cls = (Train, Evaluate, Preprocess)[kind]
        config = cls.C(**fields, **({"model": Model.C(**model)} if model else {}))
        real = params_dict(config, workspace=Path("/ws"), tags=tags)
        ids = [o["identifier"] for o in real["objects"]]
        ours = params_json("/ws", kind, ids[-1], ids[0] if model else None, fields, model,
                           tags)
        real["experimaestro"] = ours["experimaestro"]
        if real != ours:
            problems += 1
            print(f"{cls.__name__}: differs\n ours: {json.dumps(ours)}\n real:"
                  f" {json.dumps(real)}")
    print("params.json templates: " + ("OK" if not problems else f"{problems} differ"))
    return 1 if problems else 0


#: Written last in the workspace: what it holds (read by bench_results.py to reuse it)
DESCRIPTION = ".bench-workspace.json"


def make(workdir: Path, n: int, experiments: int = 1, seed: int = 0) -> dict:
    """generate(), timed, then the description file (its presence: a complete workspace)"""
    start = time.perf_counter()
    counts = generate(workdir, n, experiments, seed)
    counts["seconds"] = round(time.perf_counter() - start, 2)
    description = {"jobs": n, "experiments": experiments, "seed": seed, "counts": counts}
    write(os.path.join(workdir, DESCRIPTION), json.dumps(description, indent=1))
    return counts


def ensure_workspace(workdir: Path, n: int):
    """The workspace of ``n`` jobs at ``workdir``, generated when it is not there (None:
    reused, else the seconds generating it took); exits when the folder holds something
    else."""
    workdir = workdir.absolute()
    description = workdir / DESCRIPTION
    if description.exists() and json.loads(description.read_text()).get("jobs") == n:
        return None
    if workdir.exists() and any(workdir.iterdir()):
        sys.exit(f"{workdir} is not empty and holds no workspace of {n} jobs"
                 f" ({DESCRIPTION}): remove it, or generate it with make_workspace.py")
    print(f"generating {n} jobs in {workdir}", file=sys.stderr, flush=True)
    seconds = make(workdir, n)["seconds"]
    print(f"  {seconds:.1f}s", file=sys.stderr, flush=True)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path, nargs="?")
    parser.add_argument("--jobs", type=int, default=100_000, help="number of jobs")
    parser.add_argument("--experiments", type=int, default=1,
                        help="experiments the jobs are spread over (one run each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true",
                        help="delete WORKDIR first if it exists")
    parser.add_argument("--check", action="store_true",
                        help="compare the params.json written with our core's (needs our"
                             " experimaestro), write nothing")
    args = parser.parse_args()
    if args.check:
        sys.exit(check())
    if args.workdir is None:
        parser.error("WORKDIR is required")
    if args.workdir.exists() and any(args.workdir.iterdir()):
        if not args.force:
            sys.exit(f"{args.workdir} exists and is not empty (--force to replace it)")
        shutil.rmtree(args.workdir)
    counts = make(args.workdir, args.jobs, args.experiments, args.seed)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
