"""Organisations, memberships, roles, API tokens and permission helpers."""
