"""Hash plans: the digest of one configuration class, compiled once per class.

The plan does what ``_Hasher.digest`` describes (header, task output, arguments sorted by
name, init tasks, SHA-256) with the class's constants folded in. For each hashed argument
it encodes the common cases inline (a float, an int in range, an ASCII string, a list of
floats, a configuration not marked meta, in a field whose default is always hashed),
trying first the case the declared type makes likely, and hands anything else to
``_Hasher.argument``, which applies every rule. This keeps identifiers cheap for the
100,000-config experiments.
"""

from hashlib import sha256
from struct import Struct

from .arguments import MISSING, PARAM
from .types import ConfigType, ListType, _SCALARS

_pack_d = Struct(">d").pack
_pack_q = Struct(">q").pack
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _branches(i: int, declared) -> list:
    """The inline cases for argument i, as (condition, body lines), likely case first."""
    floats = ("t is float", [f"buf += pf{i}", "buf += pack_d(v)"])
    ints = ("t is int and IMIN <= v <= IMAX", [f"buf += pi{i}", "buf += pack_q(v)"])
    strs = ("t is str and v.isascii()", [f"buf += ps{i}", "buf += v.encode()"])
    float_list = (
        "t is list and {*map(type, v)} == FLOAT_ONLY",
        [f"buf += pl{i}", "n = len(v)", "buf += pack_d(n)", "s = tagged_floats.get(n)",
         "if s is None:", "    buf += pack_floats(v)", "else:",
         "    f = [2] * (n + n)", "    f[1::2] = v", "    buf += s(*f)"],
    )
    config = (
        "getattr(t, '__xpm_user_class__', None) is not None"
        " and (x := v.__xpm__).meta is None",
        [
            "d = x._identifier",
            "if d is None and id(v) not in h:",
            "    d = h.digest(v)",
            "if d is None:",  # a cycle reference
            f"    buf += pc{i}",
            "    h.nested(v, buf)",
            "else:",
            f"    buf += pcd{i}",
            "    buf += d",
            "    if t.__xpm_instance__:",
            "        h.instance_position(v, d, buf)",
        ],
    )
    order = [floats, ints, strs, float_list, config]
    likely = {float: floats, int: ints, str: strs}.get(_SCALARS.get(type(declared)))
    if isinstance(declared, ConfigType):
        likely = config
    elif isinstance(declared, ListType) and _SCALARS.get(type(declared.inner)) is float:
        likely = float_list
    if likely is not None:
        order.remove(likely)
        order.insert(0, likely)
    return order


def compile_plan(otype):
    """A function ``plan(hasher, cfg, xpm)`` returning the digest of a config of `otype`."""
    from .identifier import _pack_floats, _float_tagged

    ns = {"MISSING": MISSING, "pack_d": _pack_d, "pack_q": _pack_q, "sha256": sha256,
          "IMIN": _INT_MIN, "IMAX": _INT_MAX, "pack_floats": _pack_floats,
          "tagged_floats": _float_tagged,
          "FLOAT_ONLY": {float}, "HEAD": b"\x00" + otype.identifier_bytes,
          "IDBYTES": otype.identifier_bytes}
    lines = [
        "def plan(h, cfg, xpm):",
        "    key = id(cfg)",
        "    h[key] = cfg",  # being hashed (cycle references)
        "    if xpm.task is None:",
        "        buf = bytearray(HEAD)",
        "    else:",  # the config is a task output: 08 <task> comes first
        "        buf = bytearray(b'\\x00\\x08')",
        "        h.nested(xpm.task, buf)",
        "        buf += IDBYTES",
        "    get = xpm.values.get",
    ]
    for i, arg in enumerate(otype.sorted_arguments):
        if arg.hash_static_skip:
            continue
        ns[f"a{i}"] = arg
        if arg.kind is PARAM and not arg.ignore_default:
            prefix = arg.hash_prefix
            ns.update({f"pf{i}": prefix + b"\x02", f"pi{i}": prefix + b"\x01",
                       f"ps{i}": prefix + b"\x03", f"pl{i}": prefix + b"\x07",
                       f"pc{i}": prefix, f"pcd{i}": prefix + b"\x00"})
            lines += [f"    v = get({arg.name!r}, MISSING)", "    t = type(v)"]
            for k, (condition, body) in enumerate(_branches(i, arg.type)):
                lines.append(f"    {'if' if k == 0 else 'elif'} {condition}:")
                lines += [f"        {line}" for line in body]
            lines += ["    else:", f"        h.argument(a{i}, v, buf)"]
        else:
            lines.append(f"    h.argument(a{i}, get({arg.name!r}, MISSING), buf)")
    lines += [
        "    if xpm.init_tasks:",
        "        h.init_tasks(xpm.init_tasks, buf)",
        "    del h[key]",
        "    return sha256(buf).digest()",
    ]
    code = "\n".join(lines) + "\n"
    exec(compile(code, f"<hash plan of {otype.identifier}>", "exec"), ns)
    return ns["plan"]
