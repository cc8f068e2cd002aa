"""``planner.data.cache.atomic_write``: a file is whole or absent, and a process killed
(SIGKILL) inside a write leaves nothing in the output folder.

Every file here is MADE-UP (a few bytes in a temporary folder). The writer runs in a
child process that is killed while it writes (or while the finished file is copied
across file systems), then the output folder is listed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from planner.data import cache

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from planner.data import cache

    out, ready, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    def hang() -> None:
        ready.write_text(str(os.getpid()))
        time.sleep(120)

    def writer(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("moitié d'un fichier")
            fh.flush()
            if mode == "write":
                hang()
        return None

    if mode in ("copy", "copy-named"):  # the cross-device path, killed while copying
        cache._same_device = lambda a, b: False
        if mode == "copy-named":
            del os.O_TMPFILE
        real = cache.shutil.copyfileobj

        def copy(src, dst, length=0):
            dst.write(b"moiti")
            dst.flush()
            hang()

        cache.shutil.copyfileobj = copy
    cache.atomic_write(out / "table.csv", writer)
    """
)


def _kill_inside_write(out: Path, mode: str, tmp_path: Path) -> int:
    """Run a writer in a child process, SIGKILL it inside the write; return its pid."""
    ready = tmp_path / f"ready-{mode}"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(ready), mode])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert child.poll() is None, "le processus d'écriture s'est arrêté avant d'écrire"
        assert time.monotonic() < deadline, "le processus d'écriture n'a jamais commencé"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(30) == -signal.SIGKILL
    return child.pid


def _staging(pid: int) -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob(f"{cache.STAGING_PREFIX}{pid}-*"))


@pytest.mark.parametrize("mode", ["write", "copy", "copy-named"])
def test_killed_writer_leaves_previous_file_and_nothing_else(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "sortie"
    out.mkdir()
    (out / "table.csv").write_text("version complète\n", "utf-8")
    pid = _kill_inside_write(out, mode, tmp_path)
    left = sorted(p.name for p in out.iterdir())
    if mode == "copy-named":  # no O_TMPFILE: a named temporary, cleaned by the next write
        assert len(left) == 2 and left[0].startswith(f".table.csv{cache.TMP_INFIX}{pid}-")
    else:
        assert left == ["table.csv"]  # no hidden temporary in the output folder
    assert (out / "table.csv").read_text("utf-8") == "version complète\n"
    # the next write cleans what the dead writer left (output folder and staging folder)
    assert _staging(pid), "le dossier privé du processus tué devrait encore exister"
    cache.atomic_write(out / "autre.csv", lambda tmp: tmp.write_text("b", "utf-8"))
    assert sorted(p.name for p in out.iterdir()) == ["autre.csv", "table.csv"]
    assert _staging(pid) == []


def test_killed_first_write_leaves_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "vide"
    out.mkdir()
    _kill_inside_write(out, "write", tmp_path)
    assert list(out.iterdir()) == []


def test_cross_device_publish_is_whole_and_leaves_nothing(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_same_device", lambda a, b: False)
    path = tmp_path / "out" / "carte.html"
    data = os.urandom(3 << 20)  # larger than one copy chunk
    cache.atomic_write(path, lambda tmp: tmp.write_bytes(data))
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == ["carte.html"]
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    monkeypatch.delattr(os, "O_TMPFILE")  # fallback: a named temporary, renamed
    cache.atomic_write(path, lambda tmp: tmp.write_text("court", "utf-8"))
    assert path.read_text("utf-8") == "court"
    assert [p.name for p in path.parent.iterdir()] == ["carte.html"]


def test_writer_sees_the_target_name_and_failures_leave_nothing(tmp_path: Path) -> None:
    path = tmp_path / "couverture.gpkg"
    seen: list[str] = []

    def fail(tmp: Path) -> None:
        seen.append(tmp.name)
        tmp.write_text("moitié", "utf-8")
        raise RuntimeError("interrompu")

    with pytest.raises(RuntimeError):
        cache.atomic_write(path, fail)
    assert seen == ["couverture.gpkg"]  # the extension is kept for GDAL-like writers
    assert list(tmp_path.iterdir()) == []
    assert _staging(os.getpid()) == []


def test_stale_temporaries_of_live_processes_are_kept(tmp_path: Path) -> None:
    live = tmp_path / f".t.csv{cache.TMP_INFIX}{os.getpid()}-abcd1234"
    live.write_text("en cours", "utf-8")
    old = tmp_path / ".t.k2j4_x9a.tmp.csv"  # older versions' mkstemp name
    old.write_text("ancien", "utf-8")
    user = tmp_path / ".notes.tmp"  # not ours: never removed
    user.write_text("à moi", "utf-8")
    assert cache.clean_stale_temporaries(tmp_path) == []  # the old one is recent
    past = time.time() - cache.STALE_AFTER_S - 10
    os.utime(old, (past, past))
    os.utime(user, (past, past))
    assert cache.clean_stale_temporaries(tmp_path) == [old]
    assert live.exists() and user.exists()
