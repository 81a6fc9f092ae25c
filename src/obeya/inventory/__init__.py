"""Inventory engines (placeholder, rewritten below)."""
