"""Tasks defined in the experiment script itself (module __main__): the job process
imports the script under another name to find the class; a script whose experiment is
not under `if __name__ == "__main__":` would run it again there and wait for ever for its
own experiment's lock: the job fails at once, saying what to change."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = '''
import sys
from experimaestro import Task, Param, experiment

class Hello(Task):
    x: Param[int]

    def execute(self):
        print("hello", self.x)

GUARDED
'''


def _run(tmp_path, guarded: bool):
    body = 'with experiment(sys.argv[1], "script"):\n    Hello.C(x=1).submit()\n'
    if guarded:
        body = 'if __name__ == "__main__":\n' + "".join(f"    {line}\n"
                                                     for line in body.splitlines())
    script = tmp_path / "xp.py"
    script.write_text(SCRIPT.replace("GUARDED", body))
    return subprocess.run([sys.executable, str(script), str(tmp_path / "ws")],
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_a_script_with_its_experiment_guarded_runs_its_tasks(tmp_path):
    result = _run(tmp_path, guarded=True)
    assert result.returncode == 0, result.stderr
    (out,) = (tmp_path / "ws" / "jobs").glob("*/*/hello.out")
    assert out.read_text() == "hello 1\n"


def test_an_unguarded_script_fails_its_job_instead_of_waiting(tmp_path):
    result = _run(tmp_path, guarded=False)
    assert result.returncode != 0
    assert "put the experiment under `if __name__ == \"__main__\":`" in result.stderr
