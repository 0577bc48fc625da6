"""How progress rolls up the PLADECO tree. One rule, used by the screens, the API,
the evaluations and the public page (docs/usuarios/pladeco.md explains it in Spanish).

- An initiative's progress is what was recorded for it; with nothing recorded it is
  "sin información" (None), never 0 %.
- A node's progress comes from its children (nodes and initiatives) that have
  information; children without information are left out and counted apart.
- If every informed child has a weight, the result is the weighted mean
  Σ(weight × progress) / Σ weight. If any informed child lacks a weight, it is the
  simple mean, and the node is flagged as having incomplete weights.
- A node none of whose children has information is "sin información".
- An initiative whose status does not count in the plan's progress (e.g. "Descartada") is
  shown with its own progress but left out of every level above it.
- Results are rounded half up to one decimal; the rounding happens once per node, on the
  exact mean of its children's rounded values.

So a parent's progress always lies between its informed children's minimum and maximum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")


@dataclass
class Rolled:
    """A node of the tree with its computed progress."""

    key: object
    code: str
    name: str
    level: str
    depth: int
    weight: Decimal | None
    progress: Decimal | None = None
    is_initiative: bool = False
    excluded: bool = False  # its status does not count in the plan's progress
    informed: int = 0  # initiatives below with information
    total: int = 0  # initiatives below
    weights_incomplete: bool = False
    obj: object = None
    children: list[Rolled] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def combine(
    children: Iterable[tuple[Decimal | None, Decimal | None]],
) -> tuple[Decimal | None, bool]:
    """(progress, weight) pairs → (progress of the parent, weights incomplete?)."""
    informed = [(p, w) for p, w in children if p is not None]
    if not informed:
        return None, False
    if all(w is not None and w > 0 for _, w in informed):
        total_weight = sum(w for _, w in informed)
        value = sum(p * w for p, w in informed) / total_weight
        incomplete = False
    else:
        value = sum(p for p, _ in informed) / len(informed)
        incomplete = any(w is not None for _, w in informed)
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP), incomplete


def roll_up(node: Rolled) -> Rolled:
    """Compute progress bottom-up in place; returns the node."""
    if node.is_initiative:
        node.total = 0 if node.excluded else 1
        node.informed = 1 if node.total and node.progress is not None else 0
        return node
    for child in node.children:
        roll_up(child)
    node.progress, node.weights_incomplete = combine(
        (None if c.excluded else c.progress, c.weight) for c in node.children
    )
    node.total = sum(c.total for c in node.children)
    node.informed = sum(c.informed for c in node.children)
    return node


def plan_total(roots: list[Rolled]) -> tuple[Decimal | None, bool]:
    """The whole plan's progress: its top-level elements combined by the same rule."""
    return combine((r.progress, r.weight) for r in roots)
