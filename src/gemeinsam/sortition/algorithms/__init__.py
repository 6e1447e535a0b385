"""Sortition of the citizens' panel in plain Python (NumPy, HiGHS): no Django here.

instance.py holds the data model (people, features with quotas, households); io.py reads
the CSV formats practitioners use; legacy.py is the greedy random draw used for years;
leximin.py the fair distribution over panels of Flanigan et al. (Nature 2021) on HiGHS.
"""
