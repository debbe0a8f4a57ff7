"""Config dataclasses built from JSON and form values, with one set of coercion rules for every app.

The web process validates a job's settings with these classes before queueing it, so this
module imports neither Django nor torch nor NumPy.

    @dataclass(frozen=True)
    class MyConfig(Config):
        epochs: int = 10
        max_seconds: float | None = None

        def __post_init__(self) -> None:
            check(self.epochs >= 1, "epochs", "must be >= 1")

`MyConfig.from_dict({"epochs": "3"})` coerces each value by its field's annotation; every
refusal, coercion or range, is a ConfigError naming the field.
"""

from __future__ import annotations

import functools
import math
import numbers
import types
import typing
from dataclasses import asdict, fields, is_dataclass
from typing import Any, Self

_NULL_STRINGS = frozenset({"", "none", "None", "null"})
_TRUE_STRINGS = frozenset({"true", "1", "yes", "on"})
_FALSE_STRINGS = frozenset({"false", "0", "no", "off"})


class ConfigError(ValueError):
    """A setting that cannot be used; `field` names it so a form or API error can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, str]]:
        # The default pickling passes only str(self) back to __init__; Celery pickles exceptions.
        return type(self), (self.field, self.message)


def check(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise ConfigError(field, message)


class Config:
    """from_dict/to_dict for `@dataclass` classes (frozen or not); range checks stay in the class."""

    @classmethod
    def from_dict(cls, data: typing.Mapping[str, Any] | None) -> Self:
        """Build from JSON-like values (admin form, API body, a checkpoint's config)."""
        data = dict(data or {})
        types_ = _field_types(cls)
        unknown = sorted(set(data) - set(types_))
        if unknown:
            raise ConfigError(unknown[0], f"unknown setting (known: {', '.join(sorted(types_))})")
        values = {key: value_coerce(key, raw, types_[key]) for key, raw in data.items()}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON values (tuples become lists)."""
        return _jsonable(asdict(self))  # type: ignore[call-overload]


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    if not is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass to use Config")
    # `from __future__ import annotations` leaves the annotations as strings; get_type_hints
    # evaluates them in the class's module.
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name, Any) for f in fields(cls) if f.init}


def value_coerce(field: str, raw: Any, annotation: Any) -> Any:
    """`raw` as the type `annotation` names; ConfigError naming `field` when it cannot be."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(annotation)
        if type(None) in args:
            if raw is None or (isinstance(raw, str) and raw.strip() in _NULL_STRINGS):
                return None
            rest = [a for a in args if a is not type(None)]
            if len(rest) == 1:
                return value_coerce(field, raw, rest[0])
        return raw  # unions of several types: left to the class's own checks
    if annotation is bool:
        return _bool(field, raw)
    if annotation is int:
        return _int(field, raw)
    if annotation is float:
        return _float(field, raw)
    if annotation is str:
        if not isinstance(raw, str):
            raise ConfigError(field, f"must be text, not {raw!r}")
        return raw
    if origin is tuple:
        return _tuple(field, raw, typing.get_args(annotation))
    return raw


def _bool(field: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, numbers.Integral) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE_STRINGS:
            return True
        if text in _FALSE_STRINGS:
            return False
    raise ConfigError(field, f"must be true or false, not {raw!r}")


def _int(field: str, raw: Any) -> int:
    if isinstance(raw, bool):  # True is an int to Python, never a count to a person
        raise ConfigError(field, f"must be an integer, not {raw!r}")
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, numbers.Real) and math.isfinite(raw) and float(raw).is_integer():
        return int(raw)  # JSON writers and JavaScript turn 2 into 2.0
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    raise ConfigError(field, f"must be an integer, not {raw!r}")


def _float(field: str, raw: Any) -> float:
    if isinstance(raw, bool):
        raise ConfigError(field, f"must be a number, not {raw!r}")
    value: float | None = None
    if isinstance(raw, numbers.Real):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            pass
    if value is None:
        raise ConfigError(field, f"must be a number, not {raw!r}")
    if not math.isfinite(value):  # NaN passes every range check (all comparisons are false)
        raise ConfigError(field, f"must be a finite number, not {raw!r}")
    return value


def _tuple(field: str, raw: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if isinstance(raw, str):  # forms and command lines: "1, 0.9, 0.8"
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list | tuple) or not raw:
        raise ConfigError(field, f"must be a non-empty list, not {raw!r}")
    if len(args) == 2 and args[1] is Ellipsis:
        item_types = [args[0]] * len(raw)
    elif args:
        if len(args) != len(raw):
            raise ConfigError(field, f"must have {len(args)} values, not {len(raw)}")
        item_types = list(args)
    else:
        return tuple(raw)
    try:
        return tuple(value_coerce(field, item, item_type) for item, item_type in zip(raw, item_types, strict=True))
    except ConfigError as exc:
        raise ConfigError(field, f"{exc.message} (in {list(raw)!r})") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
