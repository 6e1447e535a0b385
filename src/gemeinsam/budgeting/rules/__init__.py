"""Participatory-budgeting rules and the Pabulib format, in plain Python and NumPy.

No Django here: the platform, the `gemeinsam pb` command and bench/pb.py all call this.
The dispatcher over all rules is `gemeinsam.budgeting.rules.solve.solve`; it is not
imported here because that module also runs as a command (`python -m`).
"""

from .election import Ballot, BallotKind, Election, Outcome, Project
from .greedy import greedy_utilitarian
from .pabulib import (
    PabulibError,
    election_as_pabulib,
    parse_pabulib,
    read_pabulib,
    write_pabulib,
)
from .phragmen import sequential_phragmen

__all__ = [
    "Ballot",
    "BallotKind",
    "Election",
    "Outcome",
    "PabulibError",
    "Project",
    "election_as_pabulib",
    "equal_shares",
    "greedy_utilitarian",
    "parse_pabulib",
    "read_pabulib",
    "sequential_phragmen",
    "write_pabulib",
]


def __getattr__(name: str):
    # The Method of Equal Shares lives in mes.py, written apart; imported on first use.
    if name == "equal_shares":
        from .mes import equal_shares

        return equal_shares
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
