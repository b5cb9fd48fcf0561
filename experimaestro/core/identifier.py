"""Identifiers: the canonical byte encoding of a configuration, hashed with SHA-256.

The encoding is byte-for-byte the one of experimaestro 2.x (see docs/identifiers.md):
a one-byte tag per value, configs encoded as their own digest, arguments sorted by name.
"""

import enum
from hashlib import sha256
from struct import Struct, error as StructError

from .arguments import CONSTANT, META, MISSING
from .errors import IdentifierError

__all__ = ["Identifier", "identifier_of", "IdentifierError"]

_pack_q = Struct(">q").pack
_pack_d = Struct(">d").pack
#: n -> pack function of ``02 <double>`` repeated n times
_float_tagged = {}


def _pack_floats(values) -> bytes:
    """``02 <double>`` for each float of a list (one struct call)."""
    n = len(values)
    pack = _float_tagged.get(n)
    if pack is None:
        pack = _float_tagged[n] = Struct(">" + "Bd" * n).pack
    flat = [2] * (2 * n)
    flat[1::2] = values
    return pack(*flat)


class Identifier(bytes):
    """The identifier of a configuration: the 32-byte digest itself.

    ``main`` and ``all`` (the 2.x names) give it as plain bytes; ``hex()`` and ``str()``
    its 64 hexadecimal digits. A bytes subclass: built and read without Python calls.
    """

    __slots__ = ()

    main = property(bytes)
    all = property(bytes)

    def __str__(self):
        return self.hex()

    def __repr__(self):
        return f"Identifier({self.hex()})"


class _Hasher(dict):
    """One top-level computation.

    The dict itself maps id -> config for the configs being hashed, outermost first
    (cycle references); ``instances`` tracks InstanceConfig objects by digest.
    """

    # Class-level defaults, no __init__: creating a hasher costs no Python call
    instances = None
    cycle_to_root = False

    @property
    def stack(self) -> list:
        return list(self.values())

    # -- configs -----------------------------------------------------------------

    def digest(self, cfg, skip=frozenset()) -> bytes:
        """Digest of cfg; arguments named in `skip` are left out (partial identifiers)."""
        xpm = cfg.__xpm__
        otype = xpm.xpmtype
        if otype.deprecated:
            from .deprecation import converted

            conv = converted(cfg)
            if conv is not cfg:
                return self.digest(conv)
        if skip:
            return self.partial_digest(cfg, xpm, otype, skip)
        plan = otype.hash_plan
        if plan is None:
            from .hashplan import compile_plan

            plan = otype.hash_plan = compile_plan(otype)
        return plan(self, cfg, xpm)

    def partial_digest(self, cfg, xpm, otype, skip) -> bytes:
        """The digest without the arguments named in `skip` (same layout as the plan's)."""
        key = id(cfg)
        self[key] = cfg
        buf = bytearray(b"\x00")
        if xpm.task is not None:
            buf += b"\x08"
            self.nested(xpm.task, buf)
        buf += otype.identifier_bytes
        values = xpm.values
        for arg in otype.sorted_arguments:
            if not (arg.hash_static_skip or arg.name in skip):
                self.argument(arg, values.get(arg.name, MISSING), buf)
        if xpm.init_tasks:
            self.init_tasks(xpm.init_tasks, buf)
        del self[key]
        return sha256(buf).digest()

    def init_tasks(self, tasks, buf):
        buf += b"\x0c"
        for t in tasks:
            self.nested(t, buf)

    def argument(self, arg, value, buf):
        """Encode one argument, with every rule (skips, defaults, meta, errors)."""
        if arg.kind is META:
            # A Meta holding a config explicitly marked setmeta(False) is hashed
            if not (value is not MISSING and _meta_flag(value) is False):
                return
        if value is MISSING:
            if arg.kind is CONSTANT:
                value = arg.default
            elif arg.required:
                stack = self.stack
                ucls = type(stack[-1]).__xpm_user_class__
                raise IdentifierError(
                    f"{_path(stack)}.{arg.name}: required parameter not set"
                    f" (set it with {ucls.__qualname__}.C({arg.name}=...))"
                )
            else:
                value = None
        if value is None and arg.factory is not None:
            value = arg.default
        if arg.kind is not CONSTANT:
            default = arg.default
            if value is None:
                if default is MISSING or default is None:
                    return
            elif arg.ignore_default and default is not MISSING and default is not None:
                # As 2.x: the default as declared (not converted), on the left
                if arg.declared_default == _without_meta(value):
                    return
        if _meta_flag(value) is True:
            return
        buf += arg.hash_prefix
        try:
            self.encode(value, buf)
        except IdentifierError as e:
            raise IdentifierError(_prefix(e, f"{_path(self.stack)}.{arg.name}")) from None
        except StructError:
            raise IdentifierError(
                f"{_path(self.stack)}.{arg.name}: integer out of the signed 64-bit range"
                " (identifiers encode ints on 8 bytes)"
            ) from None
        except UnicodeEncodeError as e:
            raise IdentifierError(
                f"{_path(self.stack)}.{arg.name}: string cannot be encoded in UTF-8 ({e.reason})"
            ) from None

    def nested(self, child, buf):
        """Encode a config met as a value: ``00 <digest>`` or a cycle reference."""
        if id(child) in self:
            stack = list(self.values())
            for i, c in enumerate(stack):
                if c is child:
                    buf += b"\x00\x0b"
                    buf += _pack_q(len(stack) - i)
                    if i == 0:
                        self.cycle_to_root = True
                    return
        d = child.__xpm__._identifier
        if d is None:
            d = self.digest(child)
        buf += b"\x00"
        buf += d
        if type(child).__xpm_instance__:
            self.instance_position(child, d, buf)

    def instance_position(self, child, d, buf):
        """InstanceConfig: the n-th distinct object with digest d (n > 0) adds ``0d <n>``."""
        if self.instances is None:
            self.instances = {}
        objects = self.instances.get(d)
        if objects is None:
            self.instances[d] = [child]
            return
        for k, o in enumerate(objects):
            if o is child:
                break
        else:
            k = len(objects)
            objects.append(child)
        if k:
            buf += b"\x0d"
            buf += _pack_q(k)

    # -- values ------------------------------------------------------------------

    def encode(self, value, buf):
        t = type(value)
        if value is None:
            buf += b"\x06"
        elif t is float or (t is not bool and isinstance(value, float)):
            buf += b"\x02"
            buf += _pack_d(value)
        elif isinstance(value, int):
            buf += b"\x01"
            buf += _pack_q(value)
        elif isinstance(value, str):
            buf += b"\x03"
            buf += value.encode("utf-8")
        elif isinstance(value, list):
            if value and type(value[0]) is float and len(set(map(type, value))) == 1:
                buf += b"\x07"
                buf += _pack_d(len(value))
                buf += _pack_floats(value)
                return
            items = [v for v in value if _meta_flag(v) is not True]
            buf += b"\x07"
            buf += _pack_d(len(items))
            for i, v in enumerate(items):
                try:
                    self.encode(v, buf)
                except IdentifierError as e:
                    raise IdentifierError(_prefix(e, f"[{i}]")) from None
        elif isinstance(value, (set, frozenset)):
            self.encode_set(value, buf)
        elif isinstance(value, enum.Enum):
            cls = type(value)
            buf += b"\x0a"
            buf += f"{cls.__module__}.{cls.__qualname__}:{value.name}".encode("utf-8")
        elif isinstance(value, dict):
            items = [(k, v) for k, v in value.items() if _meta_flag(v) is not True]
            try:
                items.sort(key=lambda kv: kv[0])
            except TypeError:
                raise IdentifierError(
                    ": dict keys cannot be sorted (enum members have no order); use str keys"
                ) from None
            buf += b"\x09"
            for k, v in items:
                self.encode(k, buf)
                try:
                    self.encode(v, buf)
                except IdentifierError as e:
                    raise IdentifierError(_prefix(e, f"[{k!r}]")) from None
        elif getattr(value, "__xpm__", None) is not None:
            self.nested(value, buf)
        elif isinstance(value, tuple):
            raise IdentifierError(
                ": a tuple cannot be part of an identifier (experimaestro 2.x identifiers"
                " have no tuple encoding); declare a list[...] field, or make the field Meta"
            )
        elif hasattr(value, "__fspath__"):
            raise IdentifierError(
                f": a path ({value}) inside a list, dict or set cannot be part of an"
                " identifier; use a Param[Path] field (paths are not hashed) or a str"
            )
        else:
            raise IdentifierError(
                f": a value of type {t.__name__} cannot be part of an identifier"
            )

    def encode_set(self, value, buf):
        items = [v for v in value if _meta_flag(v) is not True]
        keyed = []
        for v in items:
            own = bytearray()
            if getattr(v, "__xpm__", None) is not None:
                own += b"\x00"
                own += identifier_of(v).main
            else:
                _Hasher().encode(v, own)
            keyed.append((sha256(own).digest(), v))
        keyed.sort(key=lambda kv: kv[0])
        buf += b"\x0e"
        buf += _pack_d(len(keyed))
        for _, v in keyed:
            self.encode(v, buf)


def _meta_flag(value):
    xpm = getattr(value, "__xpm__", None)
    return None if xpm is None else xpm.meta


def _without_meta(value):
    if isinstance(value, list):
        return [v for v in value if _meta_flag(v) is not True]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if _meta_flag(v) is not True}
    return value


def _path(stack) -> str:
    parts = [type(stack[0]).__xpm_user_class__.__qualname__]
    for parent, child in zip(stack, stack[1:]):
        parts.append(_field_name(parent, child))
    return ".".join(parts)


def _field_name(parent, child) -> str:
    for k, v in parent.__xpm__.values.items():
        if v is child:
            return k
        if isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                if x is child:
                    return f"{k}[{i}]"
        if isinstance(v, dict):
            for kk, x in v.items():
                if x is child:
                    return f"{k}[{kk!r}]"
    return type(child).__xpm_user_class__.__qualname__


def _prefix(e: IdentifierError, prefix: str) -> str:
    """Prefix a relative error message (one that starts with ':' or '[')."""
    msg = str(e)
    return prefix + msg if msg[:1] in (":", "[") else msg


def identifier_of(cfg) -> Identifier:
    """The identifier of a configuration (cached on sealed configs)."""
    xpm = cfg.__xpm__
    d = xpm._identifier
    if d is None:
        h = _Hasher()
        d = h.digest(cfg)
        if xpm.sealed and not h.cycle_to_root:
            xpm._identifier = d
    return Identifier(d)


def encoding_digest(value) -> bytes:
    """SHA-256 of a value's encoding (used for sets and partial identifiers)."""
    buf = bytearray()
    _Hasher().encode(value, buf)
    return sha256(buf).digest()
