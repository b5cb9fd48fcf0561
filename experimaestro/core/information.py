"""``cfg.__xpm__``: the state of one configuration object (values, seal, tags, task)."""

from weakref import ref as weakref

from .arguments import CONSTANT, MISSING
from .errors import Invalid, SealedError, ValidationError
from .walk import FIELD, SET_MEMBER, walk

__all__ = ["ConfigInformation", "TaggedValue", "check_graph"]


class TaggedValue:
    """A value given through :func:`experimaestro.tag` (the field's value is a tag of
    the configuration) and/or :func:`experimaestro.stop_tags` (the tags found below the
    value do not reach the configuration)."""

    __slots__ = ("value", "tagged", "stop_tags")

    def __init__(self, value, tagged: bool = False, stop_tags: bool = False):
        self.value = value
        self.tagged = tagged
        self.stop_tags = stop_tags

    @staticmethod
    def of(value) -> "TaggedValue":
        return value if isinstance(value, TaggedValue) else TaggedValue(value)

    def __repr__(self):
        text = repr(self.value)
        if self.tagged:
            text = f"tag({text})"
        return f"stop_tags({text})" if self.stop_tags else text


class ConfigInformation:
    """Everything experimaestro records about a configuration object.

    ``values`` maps field names to values (defaults included); ``meta`` is None unless
    :func:`setmeta` was called; ``task`` is the task whose output this config is.
    """

    # Most objects never change these: class-level defaults make construction cheaper
    sealed = False
    _identifier = None
    meta = None
    task = None
    init_tasks = None
    #: an output announced by a running task (see core/outputs.py)
    dynamic_output = False
    _tags = None
    #: fields (and init tasks, by id) whose tags stay below (set through stop_tags)
    stop_tags = None
    stop_tags_init = None
    job = None
    submitted = False
    dependencies = None
    #: for a Prepare submitted as a job: the job of its PrepareTask
    prepare_job = None
    #: callbacks declared before submit(): (method name, *arguments) for the job
    declared_callbacks = None

    # No __init__: compiled constructors build it with ``ConfigInformation()`` (no
    # Python-level call) and set these three attributes themselves.
    # The config is held through a weak reference: config <-> information would be a
    # reference cycle, and 100,000 configs in cycles make every garbage collection slow.
    _ref = None
    xpmtype = None
    values = None

    @property
    def pyobject(self):
        """The configuration object this information belongs to."""
        return self._ref()

    @classmethod
    def of(cls, pyobject, xpmtype, values=None) -> "ConfigInformation":
        info = cls()
        info._ref = weakref(pyobject)
        info.xpmtype = xpmtype
        info.values = {} if values is None else values
        return info

    def declare_callback(self, method: str, *args):
        """Keep ``job.<method>(*args)`` (on_completed, watch_output) for the job the task
        gets when it is submitted (the scheduler hands them over)."""
        if self.declared_callbacks is None:
            self.declared_callbacks = []
        self.declared_callbacks.append((method, args))

    def take_declared_callbacks(self) -> list:
        declared, self.declared_callbacks = self.declared_callbacks or [], None
        return declared

    # -- values ------------------------------------------------------------------

    def _where(self, name: str) -> str:
        return f"{self.xpmtype.configtype.__qualname__}.{name}"

    def set(self, arg, value):
        """Set a field, checking and converting the value."""
        if self.sealed:
            raise SealedError(
                f"{self._where(arg.name)}: the configuration is sealed (it was submitted"
                " or sealed); make a copy with .copy() to change it"
            )
        if arg.kind is CONSTANT:
            if value == arg.default and not isinstance(value, TaggedValue):
                return
            raise SealedError(
                f"{self._where(arg.name)}: a Constant cannot be set (its value is"
                f" {arg.default!r})"
            )
        if type(value) is TaggedValue:
            wrapper, value = value, value.value
            if wrapper.tagged:
                if self._tags is None:
                    self._tags = {}
                self._tags[arg.name] = value
            if wrapper.stop_tags:
                self.stop_tags = (self.stop_tags or frozenset()) | {arg.name}
        if value is None:
            if arg.required:
                raise ValidationError(
                    f"{self._where(arg.name)}: None given to a required parameter of type"
                    f" {arg.type}; declare it Optional[...] or with a default to allow None"
                )
        else:
            try:
                value = arg.type.validate(value)
                if arg.checker is not None and not arg.checker.check(value):
                    raise Invalid(str(arg.checker), value)
            except Invalid as e:
                raise ValidationError(e.message(self._where(arg.name))) from None
        self.values[arg.name] = value

    def set_by_name(self, name: str, value):
        arg = self.xpmtype.arguments.get(name)
        if arg is not None:
            return self.set(arg, value)
        deprecated = getattr(self.xpmtype, "deprecated_params", {}).get(name)
        if deprecated is not None:
            return deprecated.apply(self.pyobject, value)
        raise unknown_field_error(self.xpmtype, name)

    # -- serialization (the method forms used by client packages) ----------------

    def serialize(self, save_directory, definition_filename: str = "experimaestro.json", *,
                  context=None, init_tasks=()):
        """``experimaestro.serialize(config, save_directory, ...)``."""
        from .serialization import serialize

        serialize(self.pyobject, save_directory, init_tasks=list(init_tasks),
                  definition_filename=definition_filename, context=context)

    @staticmethod
    def deserialize(path, as_instance: bool = False, return_tasks: bool = False,
                    partial_loading=None, definition_filename=None):
        """What :func:`experimaestro.serialize` wrote, as 2.x's method gives it: the
        configuration; with ``as_instance``, the instance (its init tasks run first); with
        ``return_tasks``, (configuration, init tasks) — the form that
        :func:`experimaestro.deserialize` always returns without ``as_instance``."""
        from .serialization import deserialize

        if as_instance and return_tasks:
            raise ValueError("deserialize(): as_instance and return_tasks exclude each other")
        result = deserialize(path, as_instance=as_instance, partial_loading=partial_loading,
                             definition_filename=definition_filename)
        return result if as_instance or return_tasks else result[0]

    def xpmvalues(self, with_default: bool = False):
        """Yields (Argument, value) for each field that has a value."""
        values = self.values
        for name, arg in self.xpmtype.arguments.items():
            if name in values:
                yield arg, values[name]
            elif with_default and arg.default is not MISSING:
                yield arg, arg.default

    def get(self, name: str, default=None):
        return self.values.get(name, default)

    # -- tags --------------------------------------------------------------------

    def tags(self) -> dict:
        """Tags of this config and of the configs below it (own tags win)."""
        from .tags import collect_tags

        return collect_tags(self.pyobject)

    # -- identity ----------------------------------------------------------------

    @property
    def identifier(self):
        from .identifier import identifier_of

        return identifier_of(self.pyobject)

    def is_unsubmitted_task(self) -> bool:
        return self.xpmtype.task and not self.submitted and self.task is None

    # -- validation and sealing --------------------------------------------------

    def validate(self):
        """Check the whole graph below this config; raise listing every problem."""
        check_graph(self.pyobject)

    def seal(self):
        """Validate, then freeze this config and every config below it."""
        if self.sealed:
            return
        configs = check_graph(self.pyobject)
        for cfg in configs:
            xpm = cfg.__xpm__
            for arg in xpm.xpmtype.made_when_sealed:
                if xpm.values.get(arg.name) is None:
                    xpm.values[arg.name] = arg.factory()  # a Meta: never hashed
            xpm.sealed = True

    def __repr__(self):
        return f"<ConfigInformation of {self.xpmtype.identifier}>"


def unknown_field_error(xpmtype, name: str) -> ValidationError:
    import difflib

    known = sorted(xpmtype.arguments)
    cls = xpmtype.configtype.__qualname__
    msg = f"{cls}.{name}: {cls} has no parameter '{name}'"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        msg += f" (did you mean '{close[0]}'?)"
    msg += f"; its parameters are: {', '.join(known) if known else '(none)'}"
    return ValidationError(msg)


def check_graph(root) -> list:
    """Check every unsealed config reachable from root (init tasks included).

    Returns the configs visited; raises ValidationError listing all missing required
    parameters and invalid values, with their paths (``Learner.model.layers[2]``).
    """
    missing = []
    invalid = []
    visited = []
    # Sealed configs were checked when they were sealed. The order is that of a stack
    # (last field first): user __validate__ hooks run in its reverse, children first.
    for cfg, path in walk(root, init_tasks=True, reverse=True, skip=_is_sealed, paths=True):
        visited.append((path, cfg))
        xpm = cfg.__xpm__
        values = xpm.values
        for name, arg in xpm.xpmtype.arguments.items():
            value = values.get(name, MISSING)
            if value is MISSING:
                if arg.required:
                    missing.append((path, name))
                continue
            if value is None:
                continue
            try:
                arg.type.validate(value)
                if arg.checker is not None and not arg.checker.check(value):
                    raise Invalid(str(arg.checker), value)
            except Invalid as e:
                invalid.append((path, name, e))
    if missing or invalid:
        raise _graph_error(root, visited, missing, invalid)
    _run_validate_hooks(root, visited)
    return [cfg for _, cfg in visited]


def _is_sealed(cfg) -> bool:
    return cfg.__xpm__.sealed


def _graph_error(root, visited, missing, invalid) -> ValidationError:
    configs = dict(visited)
    problems = []
    if missing:
        problems.append("missing required parameter(s): " + ", ".join(
            sorted(f"{_path_text(root, path, configs)}.{name}" for path, name in missing)))
    problems.extend(e.message(f"{_path_text(root, path, configs)}.{name}")
                    for path, name, e in invalid)
    return ValidationError("; ".join(problems))


def _run_validate_hooks(root, visited):
    """User validation hooks, children first; an error is reported with the path of its
    config."""
    configs = None
    for path, cfg in reversed(visited):
        hook = getattr(cfg, "__validate__", None)
        if hook is not None:
            try:
                hook()
            except Exception as exc:
                configs = dict(visited) if configs is None else configs
                cls = type(cfg).__xpm_user_class__.__qualname__
                text = _path_text(root, path, configs)
                where = "" if text == cls else f"{text}: "
                raise ValidationError(f"{where}{cls}.__validate__ failed: {exc}") from exc


def _path_text(root, path, configs) -> str:
    """``Learner.model.layers[2]``, ``Learner<init task Init>.x``, ``A.items{}``
    (`configs`: path -> config, for the class names of init tasks)."""
    text = type(root).__xpm_user_class__.__qualname__
    for i, step in enumerate(path):
        if step[0] == FIELD:
            text += "." + step[1] + "".join(
                "{}" if s is SET_MEMBER else f"[{s!r}]" for s in step[2:])
        else:  # an init task, the only other step of this walk
            task = configs[path[: i + 1]]
            text += f"<init task {type(task).__xpm_user_class__.__qualname__}>"
    return text
