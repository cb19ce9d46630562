"""Small frozen value classes that cost nothing to define.

Commands and events are a few dozen tiny classes, all loaded by every
`hasim run`.  attrs (like dataclasses) writes and compiles the methods of each
class when it is defined — about a third of a millisecond apiece, which for
sixty classes was a third of the whole start-up of a batch run.  `Value`
gives the same declarative form — annotated fields, defaults, frozen, slots,
equality, hash, repr, pickling — with methods shared by all of them, so
defining a class is just defining a class.  Instances are made as often as
log lines, so `__init__` takes the positional path fast.

    class Power(Value):
        node: str
        on: bool = True

Fields come from the class's own annotations after those of its bases;
`ClassVar[...]` annotations are class attributes, not fields.  A field's
default must be immutable (there are no factories: pass the value).  Three
class attributes tune a class: `_converters` (field -> function applied to
the given or default value), `_not_compared` (fields left out of equality and
hash), `_not_hashed` (left out of the hash only, e.g. a mapping); a `_check`
method is called last, to refuse invalid values.
"""

from __future__ import annotations

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


_MISSING = object()
_MAPPING_PROXY = type(type.__dict__)


def _portable(value: Any) -> Any:
    return dict(value) if type(value) is _MAPPING_PROXY else value


class _ValueMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        fields: list[str] = []
        defaults: dict[str, Any] = {}
        for base in reversed(bases):
            fields += [f for f in getattr(base, "_fields", ()) if f not in fields]
            defaults.update(getattr(base, "_defaults", {}))
        own = []
        for field, annotation in namespace.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            own.append(field)
            if field in namespace:
                defaults[field] = namespace.pop(field)
        fields += [f for f in own if f not in fields]
        namespace["__slots__"] = tuple(f for f in own if not any(f in getattr(b, "_fields", ()) for b in bases))
        namespace["_fields"] = tuple(fields)
        namespace["_defaults"] = defaults
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        check = getattr(cls, "_check", None)
        cls._hooked = bool(getattr(cls, "_converters", None)) or (
            check is not None and check is not getattr(cls, "_check_nothing", None)
        )
        return cls


class Value(metaclass=_ValueMeta):
    """Base of the frozen values (see the module docstring)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    #: fields left out of ==, != and hash (e.g. a line's parsed event)
    _not_compared: ClassVar[tuple[str, ...]] = ()
    #: fields left out of the hash only (e.g. a mapping)
    _not_hashed: ClassVar[tuple[str, ...]] = ()
    #: field -> function applied to its value (given or default)
    _converters: ClassVar[dict[str, Any]] = {}
    _hooked: ClassVar[bool] = False

    def _check_nothing(self) -> None:
        """Refuse invalid values (raise); the default accepts everything."""

    _check = _check_nothing

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        setter = object.__setattr__
        if not kwargs and len(args) == len(fields) and not self._hooked:
            for field, value in zip(fields, args):
                setter(self, field, value)
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        given = dict(zip(fields, args))
        for key, value in kwargs.items():
            if key not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument '{key}'")
            if key in given:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument '{key}'")
            given[key] = value
        converters = self._converters
        for field in fields:
            value = given.get(field, self._defaults.get(field, _MISSING))
            if value is _MISSING:
                raise TypeError(f"{type(self).__name__}() missing required argument: '{field}'")
            if field in converters:
                value = converters[field](value)
            setter(self, field, value)
        self._check()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set '{name}'")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete '{name}'")

    def _compared(self) -> tuple[Any, ...]:
        skip = self._not_compared
        return tuple(getattr(self, f) for f in self._fields if f not in skip)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        skip = self._not_compared + self._not_hashed
        return hash((self.__class__, tuple(getattr(self, f) for f in self._fields if f not in skip)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Copies and pickles (deep copies of a harness, worker processes).
        A read-only mapping (a group's or a rule's nodes) travels as a plain
        dict — a mappingproxy can be neither copied nor pickled — and the
        field's converter makes it read-only again."""
        return (self.__class__, tuple(_portable(getattr(self, f)) for f in self._fields))

    def replace(self, **changes: Any) -> Value:
        """A copy with some fields changed."""
        values = {f: getattr(self, f) for f in self._fields}
        values.update(changes)
        return self.__class__(**values)
