"""The order in which formula cells are computed: every cell after the cells it reads.

A topological sort (Kahn's algorithm) over the precedents each formula names, done with a queue, so a
chain of 100,000 cells is as easy as a chain of three: no recursion, no depth limit. Cells left over
when the queue runs dry lie on, or downstream of, a circular reference; ``cycle`` walks back through
their precedents to name one loop, as "Sheet!A1 -> Sheet!A2 -> Sheet!A1".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable


def dependency_order(precedents: dict[Hashable, Iterable[Hashable]]) -> tuple[list, list]:
    """(cells in an order where each comes after its precedents, cells that cannot be ordered).

    ``precedents`` maps every formula cell to the formula cells it reads (other keys are ignored)."""
    if not any(precedents.values()):       # no cell reads another: the order they come in
        return list(precedents), []
    waiting = {key: 0 for key in precedents}
    readers: dict = {key: [] for key in precedents}
    for key, sources in precedents.items():
        for source in set(sources):
            if source in waiting:
                waiting[key] += 1
                readers[source].append(key)
    ready = deque(key for key, count in waiting.items() if count == 0)
    ordered = []
    while ready:
        key = ready.popleft()
        ordered.append(key)
        for reader in readers[key]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    left = [key for key, count in waiting.items() if count > 0]
    return ordered, left


def cycle(precedents: dict, left: list) -> list:
    """One circular chain among ``left`` (cells that could not be ordered), first cell repeated at the end.
    Each such cell reads another such cell, so walking back from any of them must come round."""
    stuck = set(left)
    position: dict = {}
    path: list = []
    key = left[0]
    while key not in position:
        position[key] = len(path)
        path.append(key)
        key = next(source for source in precedents[key] if source in stuck)
    return path[position[key]:] + [key]
