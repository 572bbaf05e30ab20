"""The audit ledger: an append-only, hash-chained record of every state change.

It is its own small app at the bottom of the layering (it depends only on `accounts`), so
that every service in every app, catalogue included, can record here without importing
the review workflow above it.
"""
