"""Thin endpoints; each module lists its routes as data in ROUTES."""
