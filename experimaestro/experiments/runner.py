"""What ``experimaestro run-experiment`` does, step by step, without click.

1. merge the YAML files (``imports``, ``--pre-yaml``, ``--post-yaml``, ``-c``);
2. set the Python path, run ``pre_experiment``, import the experiment file or module;
3. find ``run(helper, cfg)`` and, from the annotation of ``cfg``, the schema;
4. build the configuration (errors point at files and lines);
5. check the git state, open the experiment, call ``helper.run(args, cfg)``.
"""

import datetime
import functools
import importlib
import importlib.util
import inspect
import logging
import os
import site
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from experimaestro.sweeps import SweepError

from .configuration import ConfigurationBase
from .grid import GridError, check_grid
from .helper import ExperimentHelper
from .schema import build_configuration, is_schema, problems_error
from .sweep import SweepPlan, check_sweep, select_cases, sweep_fields
from .yamlfiles import ConfigError, MergedConfig, load_experiment_yaml

logger = logging.getLogger("xpm.experiments")

__all__ = ["ExperimentRun", "ConfigError", "GitStateError"]


class GitStateError(ConfigError):
    """``dirty_git: error`` and the project has uncommitted changes."""


class UserCodeError(ConfigError):
    """The experiment file (or pre_experiment) raised while being imported."""


def where_in_user_code(exc: BaseException, files: Sequence[str] = ()) -> str:
    """file:line in the user's code where ``exc`` was raised: the deepest frame in one of
    `files` if given, else the deepest frame outside experimaestro, preferring the user's
    files to the installed packages and the standard library."""
    import traceback

    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    if files:
        chosen = [f for f in frames if f.filename in files]
    else:
        outside = [f for f in frames if not _in_experimaestro(f.filename)]
        chosen = [f for f in outside if not _installed(f.filename)] or outside
    frame = (chosen or frames or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame is not None else "?"


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INSTALLED = tuple({os.path.dirname(os.__file__), *site.getsitepackages(),
                    site.getusersitepackages()})


def _in_experimaestro(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE + os.sep)


def _installed(filename: str) -> bool:
    """A file of the standard library or of an installed package (or not a file)."""
    return filename.startswith("<") or os.path.abspath(filename).startswith(_INSTALLED)


def _written(merged, checked):
    """The values of `checked` (the plain checked configuration) at the keys of `merged`
    (what the files and options wrote), in their order."""
    if isinstance(merged, dict) and isinstance(checked, dict):
        return {k: _written(v, checked[k]) if k in checked else v for k, v in merged.items()}
    return checked


class ExperimentRun:
    """One ``run-experiment`` invocation."""

    def __init__(self, yaml_file, *, pre_yaml=(), post_yaml=(), overrides=(),
                 xp_file: Optional[str] = None, module_name: Optional[str] = None,
                 cases: Optional[str] = None):
        self.yaml_file = Path(yaml_file)
        self.merged: MergedConfig = load_experiment_yaml(self.yaml_file, pre_yaml, post_yaml,
                                                         overrides)
        self.xp_file_option = xp_file
        self.module_name_option = module_name
        #: run only these cases of the sweep (the text of --cases: 3, 2:5, 1,4...)
        self.cases_option = cases
        self.module = None
        self.helper: Optional[ExperimentHelper] = None
        self.schema = None
        self.configuration: Any = None
        self.project_path: Optional[Path] = None

    # -- the experiment code --------------------------------------------------------

    def _string_key(self, key: str) -> Optional[str]:
        value = self.merged.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.merged.origin((key,))}: {key}: expected a string,"
                              f" got {value!r}")
        return value

    def locate(self) -> Tuple[Optional[Path], Optional[str]]:
        """(experiment file, module name): exactly one is set."""
        module = self.module_name_option or self._string_key("module")
        file = self.xp_file_option or (None if module else self._string_key("file"))
        if module and file:
            raise ConfigError(f"{self.merged.main_file}: give either `file` or `module`, not both")
        if module:
            return None, module
        if self.xp_file_option:
            path = Path(self.xp_file_option).absolute()
        else:
            path = self.merged.resolve("file", file or "experiment")
        if path.suffix != ".py":
            path = path.with_name(path.name + ".py")
        if not path.is_file():
            if self.xp_file_option:
                where, how = "option --file", ""
            elif "file" in self.merged.data:
                where, how = self.merged.origin(("file",)), ""
            else:
                where = self.merged.main_file
                how = " (the default, as the YAML file sets neither `file` nor `module`)"
            raise ConfigError(
                f"{where}: file: experiment file {path} not found{how}; `file` names the"
                " Python file defining run(helper, cfg), relative to the YAML file, without .py"
            )
        return path, None

    def setup_python_path(self, xp_file: Optional[Path]):
        paths = list(self.merged.pythonpath)
        if xp_file is not None and xp_file.parent.resolve() not in paths:
            paths.append(xp_file.parent.resolve())
        for path in reversed(paths):
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))
        logger.debug("python path: %s", sys.path)

    def run_pre_experiment(self):
        pre = self._string_key("pre_experiment")
        if not pre:
            return
        where = self.merged.origin(("pre_experiment",))
        path = self.merged.resolve("pre_experiment", pre)
        try:
            if path.is_file():
                spec = importlib.util.spec_from_file_location("__xpm_pre_experiment__", path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
            elif "/" in pre or pre.endswith(".py"):
                raise ConfigError(f"{where}: pre_experiment: file {path} not found")
            else:
                importlib.import_module(pre)
        except ConfigError:
            raise
        except ModuleNotFoundError as exc:
            if exc.name and pre.startswith(exc.name):
                raise ConfigError(f"{where}: pre_experiment: no file or module named {pre!r}"
                                  f" (python path: {os.pathsep.join(sys.path)})") from None
            raise UserCodeError(f"pre_experiment {pre} ({where_in_user_code(exc)}):"
                                f" {type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - the user's code
            raise UserCodeError(f"pre_experiment {pre} ({where_in_user_code(exc)}):"
                                f" {type(exc).__name__}: {exc}") from exc

    def import_experiment(self):
        xp_file, module_name = self.locate()
        self.setup_python_path(xp_file)
        self.run_pre_experiment()
        if xp_file is not None:
            name = xp_file.stem
            existing = sys.modules.get(name)
            if existing is not None and getattr(existing, "__file__", None) \
                    and Path(existing.__file__).resolve() == xp_file.resolve():
                self.module = existing
            else:
                spec = importlib.util.spec_from_file_location(name, str(xp_file))
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException as exc:
                    sys.modules.pop(name, None)
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
                    raise UserCodeError(
                        f"{xp_file}: importing the experiment file failed"
                        f" ({where_in_user_code(exc)}): {type(exc).__name__}: {exc}"
                    ) from exc
                self.module = module
            self.project_path = xp_file.parent.resolve()
            source = str(xp_file)
        else:
            self.module = self._import_module(module_name)
            mfile = getattr(self.module, "__file__", None)
            self.project_path = Path(mfile).resolve().parent if mfile else None
            source = f"module {module_name}"

        run = getattr(self.module, "run", None)
        if run is None:
            raise ConfigError(f"{source}: no `run` function; define"
                              " run(helper: ExperimentHelper, cfg: MyConfiguration)")
        self.helper = run if isinstance(run, ExperimentHelper) else ExperimentHelper(run)
        self.schema = self._schema(self.helper.callable, source)

    def _import_module(self, name: str):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):
                raise UserCodeError(f"module {name} ({where_in_user_code(exc)}):"
                                    f" {type(exc).__name__}: {exc}") from exc
        # The YAML file may live inside the package: try the folder above it
        base = (self.merged.module_file or self.merged.main_file).resolve().parent
        for _ in range(len(name.split("."))):
            base = base.parent
            if str(base) not in sys.path:
                sys.path.append(str(base))
            try:
                return importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if not exc.name or not name.startswith(exc.name):
                    raise UserCodeError(f"module {name}: {type(exc).__name__}: {exc}") from exc
        where = self.merged.origin(("module",)) if "module" in self.merged.data else "--module-name"
        raise ConfigError(f"{where}: module: no module named {name!r}; add its folder with"
                          " `pythonpath:`")

    def _schema(self, callable, source: str):
        try:
            params = list(inspect.signature(callable).parameters.values())
        except (TypeError, ValueError):
            params = []
        if len(params) != 2:
            raise ConfigError(f"{source}: run must take two arguments (helper, cfg), it takes"
                              f" {len(params)}")
        annotation = params[1].annotation
        if annotation is inspect.Parameter.empty:
            return ConfigurationBase
        try:
            hints = typing.get_type_hints(callable)
            annotation = hints.get(params[1].name, annotation)
        except Exception:  # noqa: BLE001 - fall back to a lookup in the module
            if isinstance(annotation, str):
                annotation = getattr(self.module, annotation, annotation)
        if not is_schema(annotation):
            raise ConfigError(
                f"{source}: the annotation of run's second argument ({annotation!r}) must be a"
                " @configuration() class deriving from ConfigurationBase"
            )
        return annotation

    # -- configuration ----------------------------------------------------------

    def build(self):
        if self.schema is None:
            self.import_experiment()
        self.configuration = build_configuration(self.schema, self.merged)
        check_yaml_grid(self.configuration, self.merged)
        check_yaml_sweep(self.configuration, self.merged)
        if self.cases_option is not None:
            self._select_cases(self.cases_option)
        return self.configuration

    def _select_cases(self, text: str):
        """--cases: only these cases of the configuration's sweep run."""
        fields = sweep_fields(self.configuration)
        if len(fields) != 1:
            raise ConfigError(
                f"--cases {text}: {self.merged.main_file}: the configuration"
                f" ({type(self.configuration).__name__}) has"
                f" {'no field' if not fields else 'several fields'} typed Sweep"
                f"{' (' + ', '.join(fields) + ')' if fields else ''}; --cases selects"
                f" cases of its one sweep")
        try:
            select_cases(self.configuration, text, fields[0])
        except ValueError as exc:
            where = self.merged.origin((fields[0],)) if fields[0] in self.merged.data \
                else self.merged.main_file
            raise ConfigError(f"--cases {text}: {exc} ({fields[0]} at {where})") from None

    def shown(self) -> dict:
        """What ``--show`` prints (as JSON, as 2.x does): the keys set by the YAML files
        and ``-c`` options (no defaults), with ``file`` and a ``pre_experiment`` given as
        a path made absolute (from the file that set them). The values are those of the
        checked configuration (``-c id=007`` is the text ``"007"`` for a string field)."""
        from .schema import to_plain

        data = _written(self.merged.data, to_plain(self.configuration))
        for key in ("file", "pre_experiment"):
            value = data.get(key)
            if not isinstance(value, str):
                continue
            if key == "pre_experiment" and not ("/" in value or "\\" in value
                                                or value.endswith(".py")):
                continue  # a module name
            data[key] = str(self.merged.resolve(key, value).resolve())
        return data

    @functools.cached_property
    def experiment_id(self) -> str:
        """The id of the configuration, with ``-YYYYMMDD-HHMM`` (2.x's format) when
        ``add_timestamp`` is set; computed once (the workspace triggers and the run use
        the same id)."""
        cfg = self.configuration
        xp_id = cfg.id
        if getattr(cfg, "add_timestamp", False):
            xp_id = f"{xp_id}-{datetime.datetime.now().strftime('%Y%m%d-%H%M')}"
        return xp_id

    # -- git ------------------------------------------------------------------------

    def check_git(self, warn=None):
        """Apply ``dirty_git`` (ignore, warn, error) to the git state of the project."""
        from experimaestro.scheduler.experiment import DirtyGitAction

        action = getattr(self.configuration, "dirty_git", DirtyGitAction.WARN)
        if action is DirtyGitAction.IGNORE or self.project_path is None:
            return
        changes = git_changes(self.project_path)
        if not changes:
            return
        shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
        message = (f"the git repository of {self.project_path} has uncommitted changes"
                   f" ({shown})")
        if action is DirtyGitAction.ERROR:
            where = self.merged.origin(("dirty_git",))
            raise GitStateError(f"{message}; commit them, or set `dirty_git: warn` or"
                                f" `ignore` (dirty_git: error set at {where})")
        (warn or (lambda text: print(text, file=sys.stderr)))(
            f"Warning: {message} (set `dirty_git: ignore` to silence this, `error` to refuse"
            " to run)")

    # -- running --------------------------------------------------------------------

    def run(self, workspace, *, run_mode=None, env: Sequence[Tuple[str, str]] = (),
            args: List[str] = (), launcher=None, port: Optional[int] = None,
            host: Optional[str] = None, token: Optional[str] = None,
            wait_for_quit: bool = False):
        """Open the experiment and call ``helper.run(args, cfg)``; raises FailedExperiment
        when a job failed."""
        from experimaestro.scheduler.experiment import DirtyGitAction, experiment

        cfg = self.configuration
        # dirty_git was applied by check_git() (tracked files only, listing them)
        with experiment(workspace, self.experiment_id, run_mode=run_mode, launcher=launcher,
                        port=port, host=host, token=token, wait_for_quit=wait_for_quit,
                        project_paths=[self.project_path] if self.project_path else None,
                        dirty_git=DirtyGitAction.IGNORE) as xp:
            for name, value in env:
                xp.setenv(name, value)
            self.helper.xp = xp
            self.helper.run(list(args), cfg)
        return xp


def check_yaml_grid(cfg, merged: MergedConfig):
    """A grid search that generate_grid would refuse is reported when the file is read,
    with the file and line of each problem (a schema redefining `grid_search` as
    something other than a mapping gives it another meaning: not checked)."""
    if not isinstance(getattr(cfg, "grid_search", None), (dict, type(None))):
        return
    try:
        check_grid(cfg)
    except GridError as exc:
        raise problems_error(merged, exc.problems) from None


def check_yaml_sweep(cfg, merged: MergedConfig):
    """The sweeps of the configuration (fields typed Sweep) are checked when the file is
    read: parameters must name fields, values must fit them; each problem is reported
    with its file and line."""
    for field in sweep_fields(cfg):
        if not isinstance(getattr(cfg, field), SweepPlan):
            continue
        try:
            check_sweep(cfg, field)
        except SweepError as exc:
            raise problems_error(merged, exc.problems) from None


def git_changes(path: Path) -> List[str]:
    """Paths with uncommitted changes in the git repository holding ``path`` ([] if none,
    or if ``path`` is not in a git repository)."""
    try:
        result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=str(path), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    if result.returncode != 0:
        return []
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]
