"""Fixtures of the import tests."""

from __future__ import annotations

import pytest

from tests.importer.support import SAMPLE, copy_sample

if not SAMPLE.is_dir():
    pytest.skip(f"{SAMPLE} (shared/import-samples) is not present", allow_module_level=True)


@pytest.fixture
def src(tmp_path):
    """A writable copy of the sample, to break on purpose."""
    return copy_sample(tmp_path)
