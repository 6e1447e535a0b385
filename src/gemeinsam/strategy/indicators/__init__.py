"""Success control of the strategy's indicators in plain Python (NumPy): no Django here.

status.py judges an indicator on track, at risk, off track or without data from a linear
trend projected to its deadline; its wording is marked for translation by gemeinsam.lib.messages.
"""

from .status import Assessment, Direction, Measurement, Status, assess

__all__ = ["Assessment", "Direction", "Measurement", "Status", "assess"]
