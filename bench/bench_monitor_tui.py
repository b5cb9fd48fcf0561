"""The terminal monitor's first screen, from a cold process, in a real terminal: seconds
from starting `experimaestro experiments monitor --console` in tmux (160x50) until its
experiments table shows the job counts of a workspace of N finished jobs written by
make_workspace.py (the screen is read with `tmux capture-pane` every 50 ms, which costs a
little CPU itself).

    python bench/bench_monitor_tui.py --workdir /tmp/ws100k --python /tmp/xpm-ours/bin/python
"""

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_workspace import ensure_workspace  # noqa: E402

#: the experiments table once the jobs are counted: "100,000 (97,933 done, ...)"
COUNTS = re.compile(r"[\d,]+ \([\d,]+ done")


def first_screen(tmux: str, python: str, workdir: Path, timeout: float) -> float:
    server = [tmux, "-L", "xpm-bench-tui"]
    subprocess.run(server + ["kill-server"], capture_output=True)
    command = (f"cd /tmp && {shlex.quote(python)} -m experimaestro experiments monitor"
               f" --console --workdir {shlex.quote(str(workdir))}")
    start = time.perf_counter()
    subprocess.run(server + ["new-session", "-d", "-s", "m", "-x", "160", "-y", "50",
                             command], check=True)
    try:
        while time.perf_counter() - start < timeout:
            screen = subprocess.run(server + ["capture-pane", "-p", "-t", "m"],
                                    capture_output=True, text=True).stdout
            if COUNTS.search(screen):
                return time.perf_counter() - start
            time.sleep(0.05)
        raise RuntimeError(f"no job counts on the screen within {timeout} s:\n{screen}")
    finally:
        subprocess.run(server + ["send-keys", "-t", "m", "q"], capture_output=True)
        time.sleep(0.5)
        subprocess.run(server + ["kill-server"], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter of the experimaestro measured")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    tmux = shutil.which("tmux")
    if tmux is None:
        sys.exit("tmux is needed (apt-get install tmux)")
    ensure_workspace(args.workdir, args.jobs)
    times = [first_screen(tmux, args.python, args.workdir.absolute(), args.timeout)
             for _ in range(args.repeat)]
    print(f"first screen (s): best {min(times):.2f}; runs"
          f" {', '.join(f'{t:.2f}' for t in times)}")


if __name__ == "__main__":
    main()
