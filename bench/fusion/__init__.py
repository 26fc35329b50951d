"""Ledger-fusion benchmark: synthetic noisy ledgers from a known truth, a scorer, and Splink.

``python -m bench.fusion.run --people 20000`` does a whole comparison run; see README.md.
"""
