"""Success control of the strategy's indicators in plain Python (NumPy): no Django here.

status.py judges an indicator on track, at risk, off track or without data from a linear
trend projected to its deadline; messages.py marks the rule's wording for translation.
"""

from .status import Assessment, Direction, Measurement, Status, assess

__all__ = ["Assessment", "Direction", "Measurement", "Status", "assess"]
