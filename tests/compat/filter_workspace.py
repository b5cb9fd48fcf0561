"""A workspace for comparing the job filters of `experimaestro jobs list` (tests/
test_compat_filters.py): jobs of two task types, tagged with strings and numbers, one
failed, in the experiment `filters`.

    python filter_workspace.py WORKDIR
"""

import sys

from experimaestro import Param, Task, experiment, tag


class Power(Task):
    x: Param[int]
    model: Param[str]
    lr: Param[float]

    def execute(self):
        if self.x == 2:
            raise RuntimeError("failure requested for x=2")
        print(self.x ** 2)


class Other(Task):
    name: Param[str]

    def execute(self):
        print(self.name)


#: (x, model, lr) of the Power jobs
POWERS = [(1, "bm25", 0.1), (2, "bert", 0.01), (3, "bm25", 0.01), (4, "t5", 0.1)]


def main(workdir):
    with experiment(workdir, "filters") as xp:
        for x, model, lr in POWERS:
            Power.C(x=tag(x), model=tag(model), lr=tag(lr)).submit()
        Other.C(name=tag("a b")).submit()
        try:
            xp.wait()
        except Exception:  # the failure of x=2, on purpose; the others ran
            pass


if __name__ == "__main__":
    main(sys.argv[1])
