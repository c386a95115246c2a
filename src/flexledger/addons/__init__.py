"""Add-on descriptors: how domains (stocks now, options later) plug into the core.

Nothing below this package imports it; the composition root reads the descriptors
(entry-point group ``flexledger.addons``) and fills the mapper registry from them,
failing fast when two add-ons claim the same (section, asset category).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points

from flexledger.mapping.registry import MapperRegistry, SectionMapper

ENTRY_POINT_GROUP = "flexledger.addons"


@dataclass(frozen=True, slots=True)
class Addon:
    """What one add-on contributes.

    Attributes:
        name: shown on runs and in diagnostics.
        version: the add-on's version.
        mappers: section mappers, each declaring the rows it maps.
    """

    name: str
    version: str
    mappers: tuple[SectionMapper, ...]


def load_addons() -> tuple[Addon, ...]:
    """Every installed add-on, sorted by name."""
    found = [point.load() for point in entry_points(group=ENTRY_POINT_GROUP)]
    addons = [addon for addon in found if isinstance(addon, Addon)]
    return tuple(sorted(addons, key=lambda addon: addon.name))


def mapper_registry(addons: Iterable[Addon]) -> MapperRegistry:
    """One registry from every add-on's mappers.

    Raises:
        DuplicateMapperError: two mappers claim the same key.
    """
    return MapperRegistry(mapper for addon in addons for mapper in addon.mappers)
