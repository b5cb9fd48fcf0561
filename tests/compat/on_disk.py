"""A workspace and saved folders written by one implementation, read by the other
(tests/test_compat_disk.py runs each step in its environment).

    python on_disk.py write-workspace WORKDIR    # runs Learn(max_iter=100)
    python on_disk.py resume-workspace WORKDIR   # Learn(100) is found done; Learn(200)
                                                 # runs and finds 100's checkpoint
    python on_disk.py save FOLDER                # Holder with Weights (DataPath files)
    python on_disk.py load FOLDER                # loads it: identifiers, file contents
    python on_disk.py save-client FOLDER         # xpm-torch's SimpleModuleLoader (its
    python on_disk.py load-client FOLDER         #   __xpm_serialize__ renames the weights)

Every step prints one JSON line of what it saw.
"""

import json
import sys
from pathlib import Path

from experimaestro import experiment, load, save

from disk_classes import Holder, Learn, Weights


def _run(workdir, max_iters):
    """Submit Learn(max_iter) for each, run them, report their paths and states."""
    with experiment(workdir, "partials") as xp:
        tasks = [Learn.C(max_iter=m, learning_rate=0.1) for m in max_iters]
        for task in tasks:
            task.submit()
        xp.wait()
    result = []
    for task in tasks:
        jobpath = Path(task.__xpm__.job.path)
        result.append({
            "max_iter": task.max_iter,
            "identifier": task.__identifier__().all.hex(),
            "checkpoints": str(Path(task.path).relative_to(Path(workdir).resolve())),
            "files": sorted(p.name for p in Path(task.path).iterdir()),
            "done": any(jobpath.glob("*.done")),
            "stdout": next(jobpath.glob("*.out")).read_text().strip(),
        })
    return result


def write_workspace(workdir):
    print(json.dumps(_run(workdir, [100])))


def resume_workspace(workdir):
    print(json.dumps(_run(workdir, [100, 200])))


def _holder(folder: Path):
    src = folder.parent / (folder.name + "-sources")
    src.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in ("w1.bin", "vocab1.txt", "w2.bin", "vocab2.txt"):
        (src / name).write_text(f"content of {name}")
        files[name] = src / name
    return Holder.C(
        weights=Weights.C(name="main", path=files["w1.bin"], vocabulary=files["vocab1.txt"]),
        others=[Weights.C(name="other", path=files["w2.bin"], vocabulary=files["vocab2.txt"])],
    )


def save_folder(folder):
    folder = Path(folder)
    holder = _holder(folder)
    save(holder, folder)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    print(json.dumps({"identifier": holder.__identifier__().all.hex(), "files": files}))


def load_folder(folder):
    loaded = load(Path(folder))
    if isinstance(loaded, tuple):  # 2.x returns (object, init tasks)
        loaded = loaded[0]
    weights = [loaded.weights, *loaded.others]
    print(json.dumps({
        "identifier": loaded.__identifier__().all.hex(),
        "contents": [[Path(w.path).name, Path(w.path).read_text(),
                      Path(w.vocabulary).read_text()] for w in weights],
    }))


def _module_loader(folder: Path):
    from experimaestro import Config
    from xpm_torch.module import SimpleModuleLoader

    checkpoint = folder.parent / (folder.name + "-checkpoint")
    checkpoint.mkdir(parents=True, exist_ok=True)
    (checkpoint / "model.safetensors").write_bytes(b"weights")
    return SimpleModuleLoader.C(value=Config.C(), path=checkpoint)


def save_client(folder):
    folder = Path(folder)
    loader = _module_loader(folder)
    save(loader, folder)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    print(json.dumps({"identifier": loader.__identifier__().all.hex(), "files": files}))


def load_client(folder):
    loaded = load(Path(folder))
    if isinstance(loaded, tuple):
        loaded = loaded[0]
    print(json.dumps({"identifier": loaded.__identifier__().all.hex(),
                      "path": str(Path(loaded.path).relative_to(Path(folder).resolve())),
                      "content": Path(loaded.path).read_text()}))


if __name__ == "__main__":
    command, target = sys.argv[1], sys.argv[2]
    {"write-workspace": write_workspace, "resume-workspace": resume_workspace,
     "save": save_folder, "load": load_folder, "save-client": save_client,
     "load-client": load_client}[command](target)
