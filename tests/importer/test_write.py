"""DIR is written whole or not at all: a failure midway, or a result that
does not load, removes everything this import created."""

from __future__ import annotations

import pytest

from hasim.errors import InputError
from hasim.importer import write as write_mod
from tests.importer.support import SAMPLE, run


def failing_after(count, error):
    real = write_mod.atomic_write
    calls = []

    def atomic_write(path, data):
        calls.append(path)
        if len(calls) > count:
            raise error
        real(path, data)

    return atomic_write


def test_a_write_failure_midway_removes_the_files_and_the_directories_made(tmp_path, monkeypatch):
    monkeypatch.setattr(write_mod, "atomic_write", failing_after(4, OSError(28, "No space left on device")))
    dst = tmp_path / "a" / "b" / "dir"
    result = run(SAMPLE, dst)
    assert not result.ok and not result.written and not result.files
    (error,) = result.errors
    assert error.code == "E11" and "No space left on device" in error.message
    assert list(tmp_path.iterdir()) == []


def test_an_existing_empty_dir_stays_and_is_emptied_again(tmp_path, monkeypatch):
    monkeypatch.setattr(write_mod, "atomic_write", failing_after(2, OSError(13, "Permission denied")))
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / ".hasim.lock").write_text("")
    assert not run(SAMPLE, tmp_path / "dir").ok
    assert [p.name for p in (tmp_path / "dir").iterdir()] == [".hasim.lock"]


def test_a_result_that_does_not_load_is_not_kept(tmp_path, monkeypatch):
    def refuse(path):
        raise InputError("service_config", "broken on purpose")

    monkeypatch.setattr(write_mod, "load_scenario", refuse)
    result = run(SAMPLE, tmp_path / "dir")
    (error,) = result.errors
    assert "internal error" in error.message and "broken on purpose" in error.message
    assert not (tmp_path / "dir").exists()


def test_an_interrupt_midway_cleans_up_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(write_mod, "atomic_write", failing_after(3, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        run(SAMPLE, tmp_path / "dir")
    assert not (tmp_path / "dir").exists()


def test_files_are_written_atomically_without_leftovers(tmp_path):
    result = run(SAMPLE, tmp_path / "dir")
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == sorted(result.files)
