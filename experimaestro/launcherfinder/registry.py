"""From a requirement to a launcher: the user's ``launchers.py``, or this host.

``launchers.py`` lives in the configuration folder (``experimaestro.settings.config_dir()``:
``$XPM_CONFIG_DIR`` or ``~/.config/experimaestro``) and defines
``find_launcher(requirements, tags)``, which returns a launcher or None.
"""

import hashlib
import importlib.util
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple, Union

from .specs import HostRequirement

__all__ = [
    "find_launcher",
    "LauncherRegistry",
    "LauncherNotFoundError",
    "LaunchersFileError",
    "LAUNCHERS_FILE",
]

logger = logging.getLogger(__name__)

LAUNCHERS_FILE = "launchers.py"
EXAMPLE = "launchers.example.py"
#: set (to anything but 0): without launchers.py, a requirement this host does not fit is
#: an error (by default, as in 2.x, the jobs run on this host with a warning)
STRICT_VARIABLE = "XPM_LAUNCHERS_STRICT"


class LauncherNotFoundError(LookupError):
    """No launcher can run the requirements (the message says what was asked and why)."""

    def __init__(self, message: str, requirements=()):
        super().__init__(message)
        self.requirements = list(requirements)


class LaunchersFileError(RuntimeError):
    """The ``launchers.py`` file could not be loaded, or its ``find_launcher`` failed."""

    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path


class LauncherRegistry:
    """The launchers of one configuration folder."""

    _instances: Dict[Path, "LauncherRegistry"] = {}
    _lock = threading.Lock()
    #: the folder set by set_config_dir (None: experimaestro.settings.config_dir())
    _config_dir: Optional[Path] = None

    def __init__(self, config_dir: Union[str, Path]):
        self.config_dir = Path(config_dir).expanduser()
        self._module = None
        self._module_key: Optional[Tuple[int, int]] = None
        self._direct = None
        #: the requirements already warned about (one warning each per process)
        self._warned = set()

    @classmethod
    def set_config_dir(cls, config_dir: Union[str, Path, None]) -> None:
        """Read ``launchers.py`` from this folder from now on (``find_launcher`` and
        ``instance()`` without a folder); None goes back to the default,
        ``experimaestro.settings.config_dir()`` (``$XPM_CONFIG_DIR`` or
        ``~/.config/experimaestro``)."""
        cls._config_dir = None if config_dir is None else Path(config_dir).expanduser()

    @classmethod
    def instance(cls, config_dir: Union[str, Path, None] = None) -> "LauncherRegistry":
        """The registry of ``config_dir`` (default: the folder given to
        :meth:`set_config_dir`, else ``experimaestro.settings.config_dir()``)."""
        if config_dir is None:
            config_dir = cls._config_dir
        if config_dir is None:
            from experimaestro.settings import config_dir as default_dir

            config_dir = default_dir()
        key = Path(config_dir).expanduser().absolute()
        with cls._lock:
            registry = cls._instances.get(key)
            if registry is None:
                registry = cls._instances[key] = cls(key)
            return registry

    @property
    def launchers_path(self) -> Path:
        return self.config_dir / LAUNCHERS_FILE

    def _finder(self):
        """The ``find_launcher`` function of launchers.py (None without the file)."""
        path = self.launchers_path
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            self._module = self._module_key = None
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        if self._module is None or self._module_key != key:
            self._module = self._load(path)
            self._module_key = key
        finder = getattr(self._module, "find_launcher", None)
        if not callable(finder):
            raise LaunchersFileError(
                path, "defines no find_launcher(requirements, tags) function "
                f"(see {EXAMPLE} in the experimaestro repository)"
            )
        return finder

    @staticmethod
    def _load(path: Path):
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
        name = f"experimaestro_launchers_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # classes defined there get a real module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            sys.modules.pop(name, None)
            if not isinstance(exc, Exception):
                raise
            raise LaunchersFileError(
                path, f"could not be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        return module

    def direct_launcher(self):
        """The DirectLauncher used when this host fits (one, so that it limits the jobs)."""
        if self._direct is None:
            from experimaestro.launchers.direct import DirectLauncher

            self._direct = DirectLauncher()
        return self._direct

    def _this_host(self, requirements, asked: str):
        """Without launchers.py: this host's DirectLauncher. When the host does not fit,
        the jobs still run here, as in 2.x (launchers.py is optional), with one warning
        saying what the host lacks; XPM_LAUNCHERS_STRICT=1 makes it an error."""
        from .host import describe, local_host

        host = local_host()
        reasons = []
        for requirement in requirements:
            why = requirement.why_not(host)
            if why is None:
                logger.debug("%s: this host fits (no %s)", requirement, self.launchers_path)
                return self.direct_launcher()
            reasons.append(why if len(requirements) == 1 else f"{requirement}: {why}")
        lacking = "; ".join(reasons)
        advice = (f"To run them elsewhere (e.g. on a Slurm cluster), write "
                  f"{self.launchers_path}: {EXAMPLE} at the top of the experimaestro "
                  "repository is a commented example (see also the Launchers page of the "
                  "documentation).")
        if _strict():
            raise LauncherNotFoundError(
                f"no launcher for {asked}: this host ({describe(host)}) does not fit:"
                f" {lacking}.\nThere is no {self.launchers_path}, and {STRICT_VARIABLE} is"
                f" set, so jobs do not run on a host that does not fit.\n{advice}",
                requirements)
        if asked not in self._warned:
            self._warned.add(asked)
            logger.warning(
                "%s: this host (%s) does not fit: %s. The jobs run here anyway, as there is"
                " no %s (as in experimaestro 2.x; set %s=1 to make this an error). %s",
                asked, describe(host), lacking, self.launchers_path, STRICT_VARIABLE, advice)
        return self.direct_launcher()

    def find(self, *specs: Union[HostRequirement, str], tags: Iterable[str] = ()):
        """The launcher for the first requirement that gets one (see :func:`find_launcher`)."""
        requirements = [_requirement(spec) for spec in specs]
        if not requirements:
            raise ValueError("find_launcher() needs at least one requirement")
        tags = set(tags)
        finder = self._finder()
        if len(requirements) == 1:
            asked = str(requirements[0])
        else:
            asked = "any of " + ", ".join(repr(str(r)) for r in requirements)

        if finder is None:
            return self._this_host(requirements, asked)

        for requirement in requirements:
            try:
                launcher = finder(requirement, tags)
            except Exception as exc:
                raise LaunchersFileError(
                    self.launchers_path,
                    f"find_launcher({str(requirement)!r}, {sorted(tags)!r}) raised "
                    f"{type(exc).__name__}: {exc}",
                ) from exc
            if launcher is not None:
                logger.debug("%s: %r (from %s)", requirement, launcher, self.launchers_path)
                return launcher
        raise LauncherNotFoundError(
            f"no launcher for {asked}\n"
            f"find_launcher() of {self.launchers_path} returned None for "
            + ("it" if len(requirements) == 1 else "each of them")
            + (f" (tags: {', '.join(sorted(tags))})" if tags else "") + ".",
            requirements,
        )


def _strict() -> bool:
    return os.environ.get(STRICT_VARIABLE, "") not in ("", "0")


def _requirement(spec) -> HostRequirement:
    if isinstance(spec, str):
        from .parser import parse

        return parse(spec)
    if isinstance(spec, HostRequirement):
        return spec
    raise TypeError(
        f"find_launcher() expects requirement strings or HostRequirement objects, not {spec!r}"
    )


def find_launcher(*specs: Union[HostRequirement, str], tags: Iterable[str] = frozenset(),
                  config_dir: Union[str, Path, None] = None):
    """A launcher for the first of ``specs`` (requirement strings or objects) that gets one.

    With a ``launchers.py`` in the configuration folder, its ``find_launcher(requirement,
    tags)`` is asked for each requirement in turn; the first launcher returned wins.
    Without one, the requirements are matched against this host (cores, memory, CUDA
    GPUs from nvidia-smi) and a DirectLauncher is returned if one fits.

    Raises :class:`LauncherNotFoundError` when no launcher fits, and
    :class:`LaunchersFileError` when launchers.py cannot be loaded or its function fails.
    """
    return LauncherRegistry.instance(config_dir).find(*specs, tags=tags)
