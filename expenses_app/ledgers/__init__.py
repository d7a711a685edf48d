"""Ledgers: the books a household shares, their members, roles and invitations."""
