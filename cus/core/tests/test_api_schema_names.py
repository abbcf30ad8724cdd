"""Every schema and enum that the APIs publish has a name of its own.

OpenAPI components are keyed by the Python class name: two ``CertificateOut`` classes in two apps silently become
one component, and the API then documents the wrong shape for one of them.
"""

from __future__ import annotations

import enum
import typing
from collections import defaultdict

from ninja import Schema

import cus.urls  # noqa: F401  (imports every router and its schemas)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _project_schemas() -> list[type[Schema]]:
    return [cls for cls in _subclasses(Schema) if cls.__module__.startswith("cus.")]


def _enums_in(annotation: object, found: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
    for argument in typing.get_args(annotation):
        _enums_in(argument, found)


def test_schema_names_are_unique():
    names: dict[str, set[str]] = defaultdict(set)
    for cls in _project_schemas():
        names[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(paths) for name, paths in names.items() if len(paths) > 1}
    assert not clashes, f"rename these schemas so that each has its own name: {clashes}"


def test_enum_names_used_by_schemas_are_unique():
    enums: set[type] = set()
    for cls in _project_schemas():
        for field in cls.model_fields.values():
            _enums_in(field.annotation, enums)
    names: dict[str, set[str]] = defaultdict(set)
    for enum_class in enums:
        names[enum_class.__name__].add(f"{enum_class.__module__}.{enum_class.__qualname__}")
    clashes = {name: sorted(paths) for name, paths in names.items() if len(paths) > 1}
    assert not clashes, f"enums published by the API share a name: {clashes}"
