"""Sortition of the citizens' panel in plain Python (NumPy, HiGHS): no Django here.

instance.py holds the data model (people, features with quotas, households); io.py reads
the CSV formats practitioners use; checks.py finds problems and conflicting quotas before
solving; invitations.py is stage 1, the stratified address lottery; legacy.py is the greedy
random draw used for years; leximin.py the fair distribution over panels of Flanigan et al.
(Nature 2021) on HiGHS, with pool.py (groups of interchangeable people, the pricing MIP and
swaps) and relaxation.py (the shortcut for large pools); synthetic.py Berlin-like pools;
distribution.py the published lottery and its reproducible draw;
replacements.py refills seats after drop-outs; cli.py the standalone command.
"""
