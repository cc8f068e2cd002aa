"""Caches of parsed layers (planner.data.cache), on MADE-UP files and frames.

Every input here is made up: a few bytes or a two-row frame written in a temporary
folder; the cache folder is a temporary one too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from planner.data import cache
from planner.data.schema import LoadReport


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(folder))
    return folder


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "table.json"
    cache.atomic_write(path, lambda tmp: tmp.write_text("first", "utf-8"))
    assert path.read_text("utf-8") == "first"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask

    def fail(tmp: Path) -> None:
        tmp.write_text("half", "utf-8")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        cache.atomic_write(path, fail)
    assert path.read_text("utf-8") == "first"  # the previous file is untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["table.json"]  # no temporary left


def test_cache_key_changes_with_content_not_with_mtime(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("id\n1\n", "utf-8")
    key = cache.cache_key("layer", [source], "v1")
    assert key.startswith("layer-") and key == cache.cache_key("layer", [source], "v1")
    os.utime(source, (1, 1))  # same content, another date: same key
    assert cache.cache_key("layer", [source], "v1") == key
    source.write_text("id\n2\n", "utf-8")
    assert cache.cache_key("layer", [source], "v1") != key
    assert cache.cache_key("layer", [source], "v2") != cache.cache_key("layer", [source], "v1")


def test_cached_builds_once_and_restores_hours(cache_folder: Path) -> None:
    calls = []
    hours = {"lun": [("09:00", "12:00")]}

    def build() -> tuple[pd.DataFrame, LoadReport]:
        calls.append(1)
        frame = pd.DataFrame({"site_id": ["a", "b"], "opening_hours": [hours, None]})
        return frame, LoadReport("x", "x.csv", "s", "v", "l", rows_read=2, rows_kept=2)

    first, _ = cache.cached("made-up-1", build)
    again, report = cache.cached("made-up-1", build)
    assert calls == [1]
    assert again["opening_hours"].tolist() == [hours, None] and report.rows_kept == 2
    pd.testing.assert_frame_equal(first, again)
    (cache_folder / "made-up-1.parquet").write_bytes(b"not parquet")  # corrupt: rebuilt
    cache.cached("made-up-1", build)
    assert calls == [1, 1]


def test_memo_follows_data_folder_and_file_content(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "f.txt").write_text(name, "utf-8")

    @cache.memo(lambda: [Path(os.environ["PLANNER_DATA_DIR"]) / "f.txt"])
    def load() -> str:
        calls.append(1)
        return (Path(os.environ["PLANNER_DATA_DIR"]) / "f.txt").read_text("utf-8")

    calls: list[int] = []
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "one"))
    assert (load(), load()) == ("one", "one") and len(calls) == 1
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "two"))
    assert load() == "two"
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "one"))
    assert load() == "one" and len(calls) == 2  # both folders kept
    path = tmp_path / "one" / "f.txt"
    path.write_text("changed", "utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert load() == "changed"
    n = len(calls)
    cache.clear_memory_cache()
    assert load() == "changed" and len(calls) == n + 1
