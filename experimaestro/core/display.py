"""Readable ``repr`` of configurations."""

_MAX_DEPTH = 4


def config_repr(cfg, depth: int = 0, seen=None) -> str:
    seen = set() if seen is None else seen
    name = type(cfg).__xpm_user_class__.__qualname__
    if id(cfg) in seen or depth > _MAX_DEPTH:
        return f"{name}.C(...)"
    seen = seen | {id(cfg)}
    # (None: the value of unset optional fields, left out to keep messages short)
    parts = [f"{k}={_value_repr(v, depth, seen)}" for k, v in cfg.__xpm__.values.items()
             if v is not None]
    return f"{name}.C({', '.join(parts)})"


def _value_repr(v, depth, seen):
    if getattr(v, "__xpm__", None) is not None:
        return config_repr(v, depth + 1, seen)
    if isinstance(v, list):
        return "[" + ", ".join(_value_repr(x, depth, seen) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {_value_repr(x, depth, seen)}" for k, x in v.items()) + "}"
    return repr(v)
