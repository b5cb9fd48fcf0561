"""From configuration to instance: ``cfg.instance()``."""

from .arguments import MISSING


def make_instance(cfg, memo: dict, keep: bool):
    """Build (once per configuration, shared through `memo`) the value object of cfg."""
    key = id(cfg)
    found = memo.get(key)
    if found is not None:
        return found
    ucls = type(cfg).__xpm_user_class__
    vcls = ucls.XPMValue
    obj = object.__new__(vcls)
    memo[key] = obj
    xpm = cfg.__xpm__
    d = obj.__dict__
    values = xpm.values
    made_when_sealed = xpm.xpmtype.made_when_sealed
    for name, arg in xpm.xpmtype.arguments.items():
        value = values.get(name, MISSING)
        if value is None and arg in made_when_sealed:
            value = arg.factory()  # a Meta's default_factory runs when sealed (analysis.py)
        elif value is MISSING:
            if arg.kind.name == "Constant":
                value = arg.default
            elif arg.optional or arg.generator is not None or arg.is_path_type:
                value = None
            else:
                from .errors import ValidationError

                raise ValidationError(
                    f"{ucls.__qualname__}.{name}: required parameter not set (cannot build"
                    " an instance without it)"
                )
        d[name] = _convert(value, memo, keep)
    if keep:
        d["__config__"] = cfg
    else:
        from .tags import collect_tags

        # (with its configuration, __tags__ is computed on first use: Config.__tags__)
        d["__tags__"] = collect_tags(cfg)
    if type(obj).__init__ is not object.__init__:
        obj.__init__()
    obj.__post_init__()
    return obj


def _convert(value, memo, keep):
    if getattr(value, "__xpm__", None) is not None:
        return make_instance(value, memo, keep)
    t = type(value)
    if t is list:
        return [_convert(v, memo, keep) for v in value]
    if t is dict:
        return {k: _convert(v, memo, keep) for k, v in value.items()}
    if t is set or t is tuple:
        return t(_convert(v, memo, keep) for v in value)
    return value
