"""The object hierarchy that costs are allocated down: configurable object types and a validated tree of objects.

An object type (complex, building, tenant, ... any number of levels) carries the two functions
of the seed: "reconciliation source" (the object whose costs are reconciled, e.g. a building) and
"reconciliation target" (the objects that receive a share, usually tenants).

`ObjectTree` is built from plain lists and validated as a whole: every problem (duplicate id,
unknown type, unknown parent, an object that is its own ancestor) is collected and reported at
once in a `TreeError` whose message names the objects concerned.

Rules chosen where the seed is silent:
- Children are always listed in ascending `object_id` order, so every result is deterministic.
- `depth` of a root object is 0; `path` runs from the root down to the object, both included.
- The reconciliation targets under a source are its descendants whose type has the target
  function, except those lying below another target (a unit inside a tenant is covered by that
  tenant's share; counting it again would charge the same space twice).
- An object "has billing information" when its currency is filled in.

Pure Python: no Dagster, no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from billing.money import round_amount, to_decimal


@dataclass(frozen=True)
class ObjectType:
    """A configurable object type and its reconciliation functions."""

    type_id: str
    name: str
    is_reconciliation_source: bool = False
    is_reconciliation_target: bool = False


@dataclass(frozen=True)
class SiteObject:
    """One object of the hierarchy (a complex, a building, a tenant ...) with its billing parameters.

    `parent_id` is None for a root. `floor_area_m2` is needed by heating reconciliations that split
    part of the cost by floor area. `currency` and `monthly_service_charge_advance` are the
    billing parameters ("Parameters - Billing" in the seed).
    """

    object_id: str
    parent_id: str | None
    type_id: str
    name: str
    floor_area_m2: Decimal | None = None
    currency: str | None = None
    monthly_service_charge_advance: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.object_id:
            raise ValueError(f"an object named {self.name!r} has no object id")
        if self.floor_area_m2 is not None:
            area = to_decimal(self.floor_area_m2, f"floor area of {self.label}")
            if area < 0:
                raise ValueError(f"{self.label} has a negative floor area ({area} m²)")
            object.__setattr__(self, "floor_area_m2", area)
        if self.monthly_service_charge_advance is not None:
            advance = to_decimal(self.monthly_service_charge_advance, f"monthly advance of {self.label}")
            if advance != round_amount(advance):
                raise ValueError(f"{self.label} has a monthly service-charge advance with more than 2 decimals ({advance})")
            object.__setattr__(self, "monthly_service_charge_advance", round_amount(advance))

    @property
    def label(self) -> str:
        """How messages name the object: its name and id, e.g. "Building A (B1)"."""
        return f"{self.name} ({self.object_id})" if self.name and self.name != self.object_id else self.object_id

    @property
    def has_billing_information(self) -> bool:
        return self.currency is not None and self.currency != ""


class TreeError(ValueError):
    """The object list cannot form a hierarchy; `problems` lists every problem found, in words."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("The object hierarchy is not valid:\n- " + "\n- ".join(self.problems))


class UnknownObjectError(LookupError):
    """An object id that is not in the tree was asked for."""


class ObjectTree:
    """A validated, immutable hierarchy of objects of configurable types."""

    def __init__(self, object_types: Iterable[ObjectType], objects: Iterable[SiteObject]) -> None:
        types = list(object_types)
        items = list(objects)
        problems: list[str] = []

        self._types: dict[str, ObjectType] = {}
        for object_type in types:
            if object_type.type_id in self._types:
                problems.append(f"object type {object_type.type_id!r} is defined twice")
            self._types[object_type.type_id] = object_type

        self._objects: dict[str, SiteObject] = {}
        for item in items:
            if item.object_id in self._objects:
                problems.append(f"object id {item.object_id!r} is used twice ({self._objects[item.object_id].name!r} and {item.name!r})")
                continue
            self._objects[item.object_id] = item

        for item in self._objects.values():
            if item.type_id not in self._types:
                problems.append(f"object {item.label} has type {item.type_id!r}, which is not a defined object type")
            if item.parent_id is not None and item.parent_id == item.object_id:
                problems.append(f"object {item.label} is set as its own parent")
            elif item.parent_id is not None and item.parent_id not in self._objects:
                problems.append(f"object {item.label} has parent {item.parent_id!r}, which is not in the object list")

        problems.extend(self._cycle_problems())
        if problems:
            raise TreeError(problems)

        self._children: dict[str, tuple[str, ...]] = {}
        grouped: dict[str, list[str]] = {object_id: [] for object_id in self._objects}
        for item in self._objects.values():
            if item.parent_id is not None:
                grouped[item.parent_id].append(item.object_id)
        self._children = {object_id: tuple(sorted(kids)) for object_id, kids in grouped.items()}

    def _cycle_problems(self) -> list[str]:
        """One problem per cycle of parent links (objects that are, through their parents, their own ancestor)."""
        problems: list[str] = []
        state: dict[str, str] = {}  # "visiting" | "done"
        for start in sorted(self._objects):
            chain: list[str] = []
            current: str | None = start
            while current is not None and current in self._objects and current not in state:
                state[current] = "visiting"
                chain.append(current)
                parent = self._objects[current].parent_id
                current = parent if parent != current else None  # self-parent is reported separately
            if current is not None and state.get(current) == "visiting":
                cycle = chain[chain.index(current):]
                labels = " → ".join(self._objects[object_id].label for object_id in [*cycle, cycle[0]])
                problems.append(f"objects {labels} are each other's parents (a cycle), so none of them has a top-level object")
            for object_id in chain:
                state[object_id] = "done"
        return problems

    # --- lookups -------------------------------------------------------------------------------

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._objects

    def __len__(self) -> int:
        return len(self._objects)

    @property
    def object_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._objects))

    def object(self, object_id: str) -> SiteObject:
        try:
            return self._objects[object_id]
        except KeyError:
            raise UnknownObjectError(f"object {object_id!r} is not in the object hierarchy") from None

    def object_type(self, object_id: str) -> ObjectType:
        return self._types[self.object(object_id).type_id]

    def label(self, object_id: str) -> str:
        """The object's name and id for messages; the bare id if the object is unknown."""
        return self._objects[object_id].label if object_id in self._objects else repr(object_id)

    def roots(self) -> tuple[str, ...]:
        return tuple(sorted(o.object_id for o in self._objects.values() if o.parent_id is None))

    def parent(self, object_id: str) -> str | None:
        return self.object(object_id).parent_id

    def children(self, object_id: str) -> tuple[str, ...]:
        self.object(object_id)
        return self._children[object_id]

    def descendants(self, object_id: str) -> tuple[str, ...]:
        """All objects below `object_id` (not itself), depth first, children in id order."""
        result: list[str] = []
        stack = list(reversed(self.children(object_id)))
        while stack:
            current = stack.pop()
            result.append(current)
            stack.extend(reversed(self._children[current]))
        return tuple(result)

    def ancestors(self, object_id: str) -> tuple[str, ...]:
        """From the parent up to the root."""
        result: list[str] = []
        current = self.object(object_id).parent_id
        while current is not None:
            result.append(current)
            current = self._objects[current].parent_id
        return tuple(result)

    def path(self, object_id: str) -> tuple[str, ...]:
        """From the root down to the object, both included."""
        return (*reversed(self.ancestors(object_id)), object_id)

    def depth(self, object_id: str) -> int:
        return len(self.ancestors(object_id))

    def is_within(self, object_id: str, ancestor_id: str) -> bool:
        """True when `object_id` is `ancestor_id` or lies below it."""
        return object_id == ancestor_id or ancestor_id in self.ancestors(object_id)

    def reconciliation_targets(self, source_id: str) -> tuple[str, ...]:
        """The reconciliation targets under a source, in id order (nested targets excluded, see the module docstring).

        Raises ValueError if the source's type does not have the "reconciliation source" function.
        """
        source_type = self.object_type(source_id)
        if not source_type.is_reconciliation_source:
            raise ValueError(
                f"{self.label(source_id)} is of type {source_type.name!r}, which does not have the "
                f"'reconciliation source' function; enable it for that object type to reconcile its costs"
            )
        targets: list[str] = []
        stack = list(self._children[source_id])
        while stack:
            current = stack.pop()
            if self.object_type(current).is_reconciliation_target:
                targets.append(current)
            else:
                stack.extend(self._children[current])
        return tuple(sorted(targets))
