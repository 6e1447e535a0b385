"""Concrete panels from a lottery over profiles: which members of a group sit on which panel.

A profile says how many members a panel takes from each group, and every member of a group
must end up with the same probability (members are interchangeable, so LEXIMIN gives them
the same). Lay the lottery on the line [0, 1), each profile an interval as long as its
probability. For each group the members' turns are cut from that line McNaughton style
("wrap-around" scheduling): the group's seat 0 is open wherever a profile takes at least one
member, seat 1 wherever it takes two, and so on; the seats' open stretches are laid end to
end, and member j takes the j-th stretch of length H (a member's probability) along them.
Each member boundary cuts the line once, so there are at most as many panels as profiles
plus people, and the compaction LP is rarely needed.

A member can come out on two seats at the same time when a higher seat is open for less
than H in all. Such a group is wrapped once per number of members taken instead: all seats
of such a wrap are open on the same stretch, so that cannot happen, at the price of up to
n_g cuts per number. Written here because no library
does this; NumPy does the arithmetic.
"""

import numpy as np

from .pool import Pool

# Pieces of the line shorter than this (float noise where two cuts nearly meet) are dropped;
# it moves a probability by far less than the tolerances of the LP solves.
SLIVER = 1e-13


def _segments(
    begin: np.ndarray, end: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member on every interval: (starts, ends, persons)."""
    k = len(members)
    return np.repeat(begin, k), np.repeat(end, k), np.tile(members, len(begin))


def wrap_turns(
    begin: np.ndarray, end: np.ndarray, count: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Wrap-around turns for a group taken partly (0 < count < n) on the given intervals, or
    None if some member would sit on two seats at once."""
    n = len(members)
    seats = [count > s for s in range(int(count.max()))]
    seat_begin = np.concatenate([begin[open_] for open_ in seats])
    seat_end = np.concatenate([end[open_] for open_ in seats])
    area = np.concatenate([[0.0], np.cumsum(seat_end - seat_begin)])  # along the seat line
    share = area[-1] / n
    cuts = np.arange(1, n) * share
    points = np.unique(np.concatenate([area, cuts]))
    low, high = points[:-1], points[1:]
    keep = high > low
    low, high = low[keep], high[keep]
    interval = np.searchsorted(area, low, side="right") - 1
    # Times on the line; the intervals' own ends are used exactly where a piece reaches them,
    # so that neighbouring groups meet at identical floats.
    offset = seat_begin[interval] - area[interval]
    start = np.where(low == area[interval], seat_begin[interval], low + offset)
    stop = np.where(high >= area[interval + 1], seat_end[interval], high + offset)
    member = np.minimum(((low + high) / 2 / share).astype(int), n - 1)
    order = np.lexsort((start, member))
    same = member[order][1:] == member[order][:-1]
    if np.any(same & (start[order][1:] < stop[order][:-1] - SLIVER)):
        return None
    return start, stop, members[member]


def _turns(
    begin: np.ndarray, end: np.ndarray, count: np.ndarray, members: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Turns for a group taken partly on the given intervals: one wrap-around over all of
    them, or, if that seats someone twice, one per number taken (all seats of such a wrap
    are open on the same stretch T, and a member's share c·T/n is less than T, so nobody
    can meet themselves)."""
    whole = wrap_turns(begin, end, count, members)
    if whole is not None:
        return [whole]
    parts = []
    for c in np.unique(count):
        same = count == c
        part = wrap_turns(begin[same], end[same], count[same], members)
        if part is None:
            raise AssertionError("a wrap-around with equal seats cannot collide")
        parts.append(part)
    return parts


def spread(
    pool: Pool, profiles: np.ndarray, probabilities: np.ndarray
) -> list[tuple[float, np.ndarray]]:
    """(probability, person indices) for concrete panels realising the lottery over
    `profiles` (one row per profile, one column per group), every member of a group on the
    same share of them. Profiles with probability 0 are left out."""
    keep = probabilities > 0
    profiles, probabilities = profiles[keep], probabilities[keep]
    edges = np.concatenate([[0.0], np.cumsum(probabilities)])
    begin, end = edges[:-1], edges[1:]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for g, group in enumerate(pool.groups):
        count = profiles[:, g]
        taking = count > 0
        if not taking.any():
            continue
        members = np.array(group.members)
        whole = count == group.size
        if whole.any():
            parts.append(_segments(begin[whole], end[whole], members))
        partly = taking & ~whole
        if partly.any():
            parts.extend(_turns(begin[partly], end[partly], count[partly], members))
    starts, stops, persons = (np.concatenate(column) for column in zip(*parts, strict=True))
    points = np.unique(np.concatenate([starts, stops]))
    first = np.searchsorted(points, starts)
    last = np.searchsorted(points, stops)
    spans = last - first
    # Person p sits on elementary pieces first..last-1 of its segment.
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    piece = np.repeat(first, spans) + offsets
    person = np.repeat(persons, spans)
    order = np.argsort(piece, kind="stable")
    piece, person = piece[order], person[order]
    sizes = np.bincount(piece, minlength=len(points) - 1)
    lengths = np.diff(points)
    k = pool.instance.size
    if np.any(sizes[lengths > SLIVER] != k):
        raise AssertionError("spreading a profile lost or doubled a member")
    result = []
    for i, members in enumerate(np.split(person, np.cumsum(sizes)[:-1])):
        if lengths[i] > SLIVER:
            result.append((float(lengths[i]), np.sort(members)))
    return result
