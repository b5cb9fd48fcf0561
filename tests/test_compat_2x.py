"""Drop-in compatibility with experimaestro 2.7.0, measured against 2.7.0 itself: it is
installed with the client packages in .venv-ref27 (scripts/client-envs.sh; never a
dependency of this project), computes there, and the results are compared with ours
(installed with the same packages in .venv-clients). See tests/compat/README.md."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "tests" / "compat"
REF = ROOT / ".venv-ref27" / "bin" / "python"
OURS = ROOT / ".venv-clients" / "bin" / "python"


def run(python, *args, timeout=900):
    """Run a script of tests/compat with one side's interpreter (from tests/compat, so
    that the repository's experimaestro/ does not shadow the installed one)."""
    env = {**os.environ, "PYTHONPATH": str(COMPAT)}
    result = subprocess.run([str(python), *map(str, args)], cwd=COMPAT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


def script(name, *args, timeout=3000):
    result = subprocess.run(["bash", str(ROOT / "scripts" / name), *map(str, args)],
                            capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "XPM_COMPAT_ENVS_READY": "1"})
    return result, result.stdout + result.stderr


def test_every_client_class_builds_and_hashes_as_in_2_7_0(compat_envs, tmp_path):
    """datamaestro, datamaestro-text, datamaestro-ir, xpm-torch and xpmir: every
    configuration class, built from the same recipe on both sides (required fields only,
    then every field), gets the identifier 2.7.0 gives."""
    result, out = script("compat-clients.sh", tmp_path)
    assert result.returncode == 0, out[-5000:]
    summary = re.search(r"(\d+) configurations: (\d+) identical, (\d+) refused by both, 0 differ,"
                        r" 0 only ours refuses, 0 only 2.7.0 refuses", result.stdout)
    assert summary, out[-5000:]
    total, identical, abstract = map(int, summary.groups())
    # 373 classes, each built twice; the abstract ones (abc.ABC with abstract methods) are
    # refused by both, as Python refuses them
    assert total >= 700 and identical >= 640 and identical + abstract == total, out[-3000:]
    assert "0 modules not importable" in result.stdout, out[-3000:]


def test_random_schemas_hash_as_in_2_7_0(compat_envs, tmp_path):
    """1,000 random schemas (fixed seed): no identifier differs, nothing 2.7.0 builds is
    refused; `bash scripts/compat-fuzz.sh SEED COUNT` runs any other seed."""
    result, out = script("compat-fuzz.sh", 0, 1000, tmp_path)
    assert result.returncode == 0, out[-5000:]
    summary = re.search(r"1000 configurations: (\d+) identical, (\d+) refused by both, 0 differ,"
                        r" 0 only ours refuses, (\d+) only 2.7.0 refuses", result.stdout)
    assert summary, out[-5000:]
    identical, both, ref_only = map(int, summary.groups())
    assert identical >= 900, out[-3000:]  # most schemas build (the rest: refused by both)


def test_the_2x_behaviours_client_packages_rely_on(compat_envs, tmp_path):
    """tests/compat/facts.py: inherited classmethod __xpmid__, 2.x type ids of the base
    classes, NaN in default configurations, default configurations copied without their
    default_factory values, abstract methods, generics, the submitted-task check on the
    declared type, field() without default, inherited defaults, generated-code names,
    unions, tags and stop_tags, partial folders: the same results on both sides."""
    run(REF, "facts.py", tmp_path / "ref.json")
    run(OURS, "facts.py", tmp_path / "ours.json")
    ref = json.loads((tmp_path / "ref.json").read_text())
    ours = json.loads((tmp_path / "ours.json").read_text())
    assert len(ref) >= 12
    for name, value in ref.items():
        assert not str(value).startswith("error: "), f"{name}: 2.7.0 failed ({value})"
        assert ours[name] == value, f"{name}: 2.7.0 gives {value}, ours {ours[name]}"


def lines(output: str) -> list:
    return [json.loads(line) for line in output.splitlines() if line.startswith(("{", "["))]


def test_a_workspace_written_by_2_7_0_is_resumed(compat_envs, tmp_path):
    """2.7.0 runs Learn(max_iter=100), whose checkpoints live in a partial folder; ours
    finds that job done, and Learn(max_iter=200) runs in the same partial folder and
    sees the checkpoint 2.7.0 wrote."""
    workdir = tmp_path / "ws"
    (first,) = lines(run(REF, "on_disk.py", "write-workspace", workdir))
    assert first[0]["done"] and first[0]["files"] == ["ckpt-100.txt"]
    (second,) = lines(run(OURS, "on_disk.py", "resume-workspace", workdir))
    resumed, longer = second
    assert resumed["identifier"] == first[0]["identifier"] and resumed["done"]
    assert resumed["stdout"] == "checkpoints found: []"  # 2.7.0's run: not run again
    assert longer["checkpoints"] == first[0]["checkpoints"]  # the same partial folder
    assert longer["checkpoints"].startswith("partials/disk_classes.learn/checkpoints/")
    assert longer["stdout"] == "checkpoints found: ['ckpt-100.txt']"


@pytest.mark.parametrize("kind", ["", "-client"])
def test_saved_folders_load_on_the_other_side(compat_envs, tmp_path, kind):
    """Configurations with data files, saved by one side through __xpm_serialize__
    (a class of ours, and xpm-torch's SimpleModuleLoader), load on the other: same
    identifiers, same files, same folder layout."""
    saved = {}
    for side, python in (("ref", REF), ("ours", OURS)):
        (saved[side],) = lines(run(python, "on_disk.py", f"save{kind}", tmp_path / side))
    assert saved["ref"] == saved["ours"]  # same identifier, same files
    for writer, reader in (("ref", OURS), ("ours", REF)):
        (loaded,) = lines(run(reader, "on_disk.py", f"load{kind}", tmp_path / writer))
        assert loaded["identifier"] == saved[writer]["identifier"]
        if kind:
            assert loaded["path"] == "model.safetensors" and loaded["content"] == "weights"
        else:
            assert [c[0] for c in loaded["contents"]] == ["model_weights.bin"] * 2
            assert loaded["contents"][1] == ["model_weights.bin", "content of w2.bin",
                                             "content of vocab2.txt"]


def test_client_test_suites_pass_as_under_2_7_0(compat_envs, tmp_path):
    """The test suites of datamaestro-text, datamaestro-ir and xpmir (shipped in their
    packages): every test passing under 2.7.0 passes here (those needing the network fail
    on both)."""
    result, out = script("compat-client-suites.sh", tmp_path)
    assert result.returncode == 0, out[-5000:]
    counts = re.findall(r"(\w+): (\d+) tests and subtests pass under 2.7.0, (\d+) of them here;"
                        r" 0 regressions", result.stdout)
    assert [c[0] for c in counts] == ["datamaestro_text", "datamaestro_ir", "xpmir"], \
        out[-3000:]
    assert all(int(ref) == int(ours) > 0 for _, ref, ours in counts), out[-3000:]
