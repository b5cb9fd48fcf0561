"""Hash plans: the argument loop of the identifier, compiled once per configuration class.

For each hashed argument, the plan encodes the common cases inline (a float, an int in
range, an ASCII string, a list of floats, a configuration not marked meta, in a field whose
default is always hashed) and hands anything else to ``_Hasher.argument``, which applies
every rule. This keeps identifiers cheap for the
100,000-config experiments.
"""

from struct import Struct

from .arguments import MISSING, PARAM

_pack_d = Struct(">d").pack
_pack_q = Struct(">q").pack
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def compile_plan(otype):
    """A function ``plan(hasher, values, buf)`` encoding the arguments of `otype`."""
    from .identifier import _pack_floats

    ns = {"MISSING": MISSING, "pack_d": _pack_d, "pack_q": _pack_q,
          "IMIN": _INT_MIN, "IMAX": _INT_MAX, "pack_floats": _pack_floats}
    lines = ["def plan(h, values, buf):", "    get = values.get"]
    for i, arg in enumerate(otype.sorted_arguments):
        if arg.hash_static_skip:
            continue
        ns[f"a{i}"] = arg
        if arg.kind is PARAM and not arg.ignore_default:
            ns[f"pf{i}"] = arg.hash_prefix + b"\x02"
            ns[f"pi{i}"] = arg.hash_prefix + b"\x01"
            ns[f"ps{i}"] = arg.hash_prefix + b"\x03"
            ns[f"pl{i}"] = arg.hash_prefix + b"\x07"
            ns[f"pc{i}"] = arg.hash_prefix
            lines += [
                f"    v = get({arg.name!r}, MISSING)",
                "    t = type(v)",
                "    if t is float:",
                f"        buf += pf{i}",
                "        buf += pack_d(v)",
                "    elif t is int and IMIN <= v <= IMAX:",
                f"        buf += pi{i}",
                "        buf += pack_q(v)",
                "    elif t is str and v.isascii():",
                f"        buf += ps{i}",
                "        buf += v.encode()",
                "    elif t is list and v and type(v[0]) is float and len(set(map(type, v))) == 1:",
                f"        buf += pl{i}",
                "        buf += pack_d(len(v))",
                "        buf += pack_floats(v)",
                "    elif getattr(t, '__xpm_user_class__', None) is not None and v.__xpm__.meta is None:",
                f"        buf += pc{i}",
                "        h.nested(v, buf)",
                "    else:",
                f"        h.argument(a{i}, v, buf)",
            ]
        else:
            lines.append(f"    h.argument(a{i}, get({arg.name!r}, MISSING), buf)")
    exec(compile("\n".join(lines) + "\n", f"<hash plan of {otype.identifier}>", "exec"), ns)
    return ns["plan"]
