"""Who takes part in a process: participants and contributions by actor group and district.

A handful of aggregate queries, whatever the number of people; the page shows them as is.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from gemeinsam.core.models import ActorGroup, District
from gemeinsam.participation.models import Comment, Idea, Process, Rating

# A group with less than this share of all participants is flagged as barely reached.
FEW_PERCENT = 5.0
NOT_STATED = "not_stated"


@dataclass
class Row:
    """One actor group or district: how many people took part and what they contributed."""

    key: str
    label: str
    participants: int = 0
    ideas: int = 0
    comments: int = 0
    ratings: int = 0
    share: float = 0.0  # percent of all participants (or of all ideas, for places)
    is_quiet_groups: bool = False

    @property
    def reach(self) -> str:
        """ "none" or "few" for groups the process has (almost) not reached, else ""."""
        if self.participants == 0:
            return "none"
        return "few" if self.share < FEW_PERCENT else ""

    @property
    def bar(self) -> int:
        """Bar length in percent of the full width: the share itself, so lengths compare."""
        return round(self.share)


@dataclass
class Statistics:
    participants: int = 0
    ideas: int = 0
    comments: int = 0
    ratings: int = 0
    by_group: list[Row] = field(default_factory=list)
    by_district: list[Row] = field(default_factory=list)
    ideas_by_place: list[Row] = field(default_factory=list)
    from_deleted_accounts: int = 0

    @property
    def quiet_groups(self) -> Row:
        return next(row for row in self.by_group if row.is_quiet_groups)

    @property
    def unreached_groups(self) -> list[Row]:
        return [row for row in self.by_group if row.key != NOT_STATED and row.reach]


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def process_statistics(process: Process) -> Statistics:
    """Distinct participants and contributions, everything counted once per row.

    Hidden and deleted contributions count: the person took part. Contributions of
    deleted accounts have no group or district; they are in the totals only.
    """
    users = get_user_model().objects
    took_part = (
        Exists(Idea.objects.filter(process=process, author=OuterRef("pk")))
        | Exists(Comment.objects.filter(idea__process=process, author=OuterRef("pk")))
        | Exists(Rating.objects.filter(idea__process=process, user=OuterRef("pk")))
    )
    people = users.filter(took_part).values("actor_group", "district").annotate(n=Count("pk"))
    kinds = {
        "ideas": Idea.objects.filter(process=process).values(
            "author__actor_group", "author__district"
        ),
        "comments": Comment.objects.filter(idea__process=process).values(
            "author__actor_group", "author__district"
        ),
        "ratings": Rating.objects.filter(idea__process=process).values(
            "user__actor_group", "user__district"
        ),
    }
    districts = list(District.objects.order_by("name").values_list("pk", "name"))

    groups = {
        value: Row(value, str(label), is_quiet_groups=value == ActorGroup.QUIET_GROUPS)
        for value, label in ActorGroup.choices
    }
    groups[NOT_STATED] = Row(NOT_STATED, _("Not stated"))
    homes = {pk: Row(str(pk), name) for pk, name in districts}
    homes[NOT_STATED] = Row(NOT_STATED, _("Not stated"))

    stats = Statistics()
    for item in people:
        stats.participants += item["n"]
        groups[item["actor_group"] or NOT_STATED].participants += item["n"]
        homes[item["district"] or NOT_STATED].participants += item["n"]
    for kind, rows in kinds.items():
        prefix = "user" if kind == "ratings" else "author"
        for item in rows.annotate(n=Count("pk")):
            setattr(stats, kind, getattr(stats, kind) + item["n"])
            group = item[f"{prefix}__actor_group"]
            if group is None:  # no author: the account was deleted
                stats.from_deleted_accounts += item["n"]
                continue
            for row in (
                groups[group or NOT_STATED],
                homes[item[f"{prefix}__district"] or NOT_STATED],
            ):
                setattr(row, kind, getattr(row, kind) + item["n"])
    for row in [*groups.values(), *homes.values()]:
        row.share = _percent(row.participants, stats.participants)
    stats.by_group = list(groups.values())
    stats.by_district = list(homes.values())

    placed = Counter(
        {
            item["district"]: item["n"]
            for item in Idea.objects.filter(process=process)
            .values("district")
            .annotate(n=Count("pk"))
        }
    )
    places = [Row(str(pk), name, ideas=placed[pk]) for pk, name in districts]
    places.append(Row(NOT_STATED, _("Not placed in a district"), ideas=placed[None]))
    for row in places:
        row.share = _percent(row.ideas, stats.ideas)
    stats.ideas_by_place = places
    return stats
