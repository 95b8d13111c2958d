"""Shared helpers of the ghost-ls benchmark scripts (not a benchmark by itself)."""
