"""Fixtures of the import tests."""

from __future__ import annotations

import pytest

from tests.importer.support import copy_sample


@pytest.fixture
def src(tmp_path):
    """A writable copy of the sample, to break on purpose."""
    return copy_sample(tmp_path)
