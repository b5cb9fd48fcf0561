"""What the layers above core hand down to it: core never imports them.

- the **submitter**: ``task.submit(...)`` calls it (the scheduler's ``submit_task``);
  registered by the ``experimaestro`` package, which loads the scheduler on first use;
- the **current workspace** (``@cache`` folders outside of a job): the experiment
  registers a function giving the folder of the workspace of the experiment in progress.

(No import here: the ``experimaestro`` package imports this module, and job processes
import that package.)
"""

__all__ = ["set_submitter", "submit", "set_workspace_provider", "current_workspace",
           "loading_script"]

#: the experiment script being imported to find a task class (by a job process, under
#: another name than __main__), else None: an experiment started meanwhile is the
#: script's own, run again because it lacks `if __name__ == "__main__":`
loading_script = None

_submitter = None
_workspace_provider = None


def set_submitter(function):
    global _submitter
    _submitter = function


def submit(task, **options):
    if _submitter is None:
        raise RuntimeError(
            "no submitter: import experimaestro (the package) before submitting a task"
        )
    return _submitter(task, **options)


def set_workspace_provider(function):
    global _workspace_provider
    _workspace_provider = function


def current_workspace():
    """The folder (a Path) of the workspace of the experiment in progress, or None."""
    return None if _workspace_provider is None else _workspace_provider()
