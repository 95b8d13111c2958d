"""Registers the ``bench`` marker (smoke runs of the scripts in bench/)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bench: smoke runs of the bench/ scripts with tiny sizes (real model, minutes)"
    )
