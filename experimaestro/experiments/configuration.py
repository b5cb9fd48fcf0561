"""The schema of an experiment's YAML file: ``@configuration()`` classes (attrs, keyword only);
the module path of 2.x (``experimaestro.experiments.configuration``)."""

from typing import Any, Dict, List, Optional

import attrs

from experimaestro.scheduler.experiment import DirtyGitAction

__all__ = ["configuration", "ConfigurationBase", "MISSING"]

#: A value that must be given in the YAML file (the default of ``id``)
MISSING = "???"


def configuration(*args, **kwargs):
    """Decorator making a class a YAML schema: an attrs class with keyword-only fields.

    Usable as ``@configuration`` or ``@configuration(...)`` (the arguments go to
    ``attrs.define``). A field without a default, or with the default ``"???"``, must be
    given in the YAML file.
    """
    options = {"kw_only": True, "slots": False}
    options.update(kwargs)

    def wrap(cls):
        return attrs.define(cls, **options)

    if len(args) == 1 and isinstance(args[0], type) and not kwargs:
        return wrap(args[0])
    if args:
        raise TypeError("configuration() takes only keyword arguments (those of attrs.define)")
    return wrap


@configuration()
class ConfigurationBase:
    """The keys every experiment YAML file may set; derive your schema from it."""

    #: The experiment id (experiments/<id> in the workspace); required
    id: str = MISSING
    #: The Python file defining ``run(helper, cfg)``, relative to the YAML file, without .py
    file: str = "experiment"
    #: A module defining ``run`` (instead of ``file``)
    module: Optional[str] = None
    #: Folders added to the Python path (relative to the YAML file), for the driver and jobs
    pythonpath: Optional[List[str]] = None
    #: (Deprecated, use ``imports``) a YAML file merged before this one
    parent: Optional[str] = None
    #: YAML files merged in order before this one (this file wins)
    imports: Optional[List[str]] = None
    #: A Python file or module executed before the experiment module is imported
    pre_experiment: Optional[str] = None
    #: Short description of the experiment
    title: str = ""
    #: More details about the experiment
    subtitle: str = ""
    #: Source paper of the experiment
    paper: str = ""
    #: Description of the experiment
    description: str = ""
    #: Adds a timestamp YYYY_MM_DD-HH_MM to the experiment id
    add_timestamp: bool = False
    #: What to do when the project's git repository has uncommitted changes
    dirty_git: DirtyGitAction = DirtyGitAction.WARN
    #: Grid search: dotted field paths to search spaces, and ``config_dicts`` (values
    #: that vary together); expanded by ``experimaestro.experiments.grid.generate_grid``
    grid_search: Optional[Dict[str, Any]] = None
