"""Output folders gasroutes can prove it wrote, and how they are replaced.

Every folder gasroutes writes (a run, a replicated run, a comparison, a backtest, a sweep,
a calibration, a hindcast) carries a marker file, ``.gasroutes.json``, naming its kind and
every entry written into it, subfolders included, each file with its SHA-256. A folder is
replaced only when it is empty or holds output
of the same kind and nothing else; any other folder is refused, with what it holds and
what to do. Symbolic links are never written through or deleted into.

Writing is atomic: everything goes into a temporary sibling folder
(``.NAME.tmp-PID``, marked as soon as it exists) that is renamed into place at the end,
so a failure leaves the earlier results untouched. A temporary folder left behind by a
process that no longer runs (``kill -9``, a power cut) is removed by the next write to
the same target.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gasroutes.core.errors import RunFolderError

__all__ = [
    "KINDS",
    "MARKER",
    "atomic_folder",
    "check_apart",
    "check_replaceable",
    "check_target",
    "empty_folder",
    "inventory",
    "marker_of",
    "open_folder",
    "seal",
]

MARKER = ".gasroutes.json"
MARKER_FORMAT = 2  # 2: every entry, subfolders included, files with their SHA-256
MAX_MARKER_BYTES = 50_000_000
KINDS = (
    "run",
    "replicated_run",
    "compare",
    "backtest",
    "sweep",
    "calibration",
    "hindcast",
)
_WORDS = {
    "run": "a run",
    "replicated_run": "a replicated run",
    "compare": "a comparison",
    "backtest": "a backtest",
    "sweep": "a sweep",
    "calibration": "a calibration",
    "hindcast": "a hindcast",
}
_LISTED = 5  # entries named in a refusal


def _absolute(path: Path) -> Path:
    """``path`` made absolute with its parents resolved but not its last part (which may
    be a link that must not be followed)."""
    path = Path(os.path.abspath(path))
    try:
        return path.parent.resolve() / path.name
    except (RuntimeError, OSError) as err:  # a loop of symbolic links
        raise RunFolderError(f"cannot use {path}: {err}") from err


def _real(path: Path) -> Path:
    """``path`` with every link resolved (to compare where two paths really are)."""
    try:
        return Path(os.path.realpath(path))
    except (RuntimeError, OSError) as err:  # pragma: no cover - realpath rarely raises
        raise RunFolderError(f"cannot use {path}: {err}") from err


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inventory(folder: Path) -> dict[str, str]:
    """Every entry below ``folder`` (its marker left out) by its path relative to it:
    ``dir`` for a folder, ``link`` for a symbolic link (never followed), else the file's
    SHA-256."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        rel = here.relative_to(folder)
        for name in sorted(dirs):
            out[(rel / name).as_posix()] = "link" if (here / name).is_symlink() else "dir"
        for name in sorted(files):
            if rel == Path(".") and name in (MARKER, f"{MARKER}.part"):
                continue
            path = here / name
            out[(rel / name).as_posix()] = "link" if path.is_symlink() else _sha256(path)
    return out


def marker_of(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder gasroutes wrote, or None (no marker, a link, unreadable, or
    not a marker this version wrote)."""
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MARKER_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    if data.get("format_version") != MARKER_FORMAT or not isinstance(data.get("complete"), bool):
        return None
    entries = data.get("entries")
    if not isinstance(entries, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
    ):
        return None
    return data


def _listing(names: Iterable[str]) -> str:
    names = sorted(names)
    shown = ", ".join(names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def check_replaceable(target: Path, kind: str) -> None:
    """Raise RunFolderError unless ``target`` may be (re)written as output of ``kind``:
    it does not exist, or is an empty folder, or holds gasroutes output of the same kind
    and nothing else."""
    what = _WORDS[kind]
    if target.is_symlink():
        raise RunFolderError(
            f"cannot write {what} to {target}: it is a symbolic link, and gasroutes does "
            "not write through links; give the folder itself, or a new folder"
        )
    if not target.exists():
        return
    if not target.is_dir():
        raise RunFolderError(
            f"cannot write {what} to {target}: it exists and is not a folder; give a new "
            "or empty folder"
        )
    if not any(target.iterdir()):
        return
    marker = marker_of(target)
    if marker is None:
        entries = [p.name for p in target.iterdir()]
        raise RunFolderError(
            f"cannot write {what} to {target}: the folder holds files gasroutes did not "
            f"write ({_listing(entries)}), and gasroutes replaces only folders it wrote; "
            "give a new or empty folder with --out"
        )
    if marker["kind"] != kind:
        raise RunFolderError(
            f"cannot write {what} to {target}: it holds {_WORDS[marker['kind']]}, and "
            f"{what} replaces only {what}; give a new or empty folder with --out"
        )
    written = marker["entries"]
    changed = [path for path, what_is in inventory(target).items() if written.get(path) != what_is]
    if changed or not marker["complete"]:
        raise RunFolderError(
            f"cannot replace {target}: besides {what} it holds entries gasroutes did not "
            f"write there, or that changed since ({_listing(changed) or 'an unfinished write'}); "
            "move them out, or give a new folder with --out"
        )


def check_apart(target: Path, reads: Iterable[Path], verb: str) -> None:
    """Refuse an output folder that is, contains or lies inside a folder being read
    (wherever links lead either)."""
    out = _real(_absolute(target))
    for folder in reads:
        src = _real(_absolute(folder))
        if out == src or src in out.parents or out in src.parents:
            raise RunFolderError(
                f"cannot write to {target}: {verb} reads {folder}, and never writes into a "
                "folder it reads (nor around it); give another --out"
            )


def _guard_cwd(target: Path) -> None:
    here = Path.cwd().resolve()
    if target == here or target in here.parents:
        raise RunFolderError(
            f"cannot write results to {target}: it is the current folder or one of its "
            "parents; give a folder of its own"
        )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clear_stale(target: Path) -> None:
    """Remove temporary siblings of ``target`` left by processes that no longer run;
    only folders carrying gasroutes' marker are touched."""
    parent = target.parent
    if not parent.is_dir():
        return
    for prefix in (f".{target.name}.tmp-", f".{target.name}.old-"):
        for path in parent.glob(f"{prefix}*"):
            pid = path.name[len(prefix) :]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if path.is_symlink() or not path.is_dir() or marker_of(path) is None:
                continue
            shutil.rmtree(path, ignore_errors=True)


def _write_marker(folder: Path, kind: str, entries: dict[str, str], complete: bool) -> None:
    data = {"kind": kind, "format_version": MARKER_FORMAT, "complete": complete, "entries": entries}
    tmp = folder / f"{MARKER}.part"
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / MARKER)


def seal(folder: Path, kind: str) -> None:
    """Record every entry of ``folder`` in its marker (the folder is complete)."""
    _write_marker(folder, kind, inventory(folder), True)


def empty_folder(target: Path, kind: str) -> None:
    """Remove what gasroutes wrote in ``target`` (a finished folder of ``kind`` filled in
    place, such as a sweep, about to be run again), and nothing else: checked as for a
    replacement first (every entry as its marker lists it), then each listed entry is
    removed, files first, then their folders, deepest first; links are removed, never
    followed."""
    check_replaceable(target, kind)
    marker = marker_of(target)
    if marker is None:
        return  # empty or new
    entries = marker["entries"]
    for rel, what in entries.items():
        if what != "dir":
            (target / rel).unlink(missing_ok=True)
    for rel in sorted((r for r, w in entries.items() if w == "dir"), key=len, reverse=True):
        with contextlib.suppress(FileNotFoundError):
            (target / rel).rmdir()
    (target / MARKER).unlink(missing_ok=True)


def check_target(target: Path, kind: str) -> None:
    """The checks :class:`atomic_folder` makes before writing, made early (before a run)
    so that a refusal comes at once: not the current folder or a parent of it, and
    replaceable (see :func:`check_replaceable`)."""
    path = _absolute(target)
    _guard_cwd(path)
    check_replaceable(path, kind)


def open_folder(target: Path, kind: str) -> Path:
    """Make ``target`` a folder of ``kind`` to be filled in place (a sweep, whose results
    are appended as runs finish): checked as for :class:`atomic_folder`, created and
    marked when new. Return its absolute path."""
    path = _absolute(target)
    _guard_cwd(path)
    check_replaceable(path, kind)
    path.mkdir(parents=True, exist_ok=True)
    if marker_of(path) is None:
        _write_marker(path, kind, {}, False)
    return path


class atomic_folder:
    """Context manager yielding a temporary folder that replaces ``target`` on success.

    ``target`` must be new, empty or output of the same ``kind`` (see
    :func:`check_replaceable`); the temporary folder is marked from the start, so a copy
    left by a killed process is recognised and removed by the next write.
    """

    def __init__(self, target: Path, kind: str = "run") -> None:
        if kind not in KINDS:  # pragma: no cover - a programming error
            raise ValueError(f"unknown output kind {kind!r}")
        self.kind = kind
        self.target = _absolute(Path(target))
        pid = os.getpid()
        self.tmp = self.target.parent / f".{self.target.name}.tmp-{pid}"
        self.old = self.target.parent / f".{self.target.name}.old-{pid}"

    def __enter__(self) -> Path:
        _guard_cwd(self.target)
        check_replaceable(self.target, self.kind)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        _clear_stale(self.target)
        if self.tmp.exists() and marker_of(self.tmp) is not None:
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        try:
            _write_marker(self.tmp, self.kind, {}, False)
        except BaseException:  # Ctrl-C between the two: no unmarked folder is left
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self.tmp

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        try:
            seal(self.tmp, self.kind)
            # checked again: the folder may have changed while the results were made
            check_replaceable(self.target, self.kind)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        moved = False
        if self.target.exists():
            self.target.rename(self.old)
            moved = True
        try:
            self.tmp.rename(self.target)
        except BaseException:
            if moved:  # put the earlier results back before failing
                self.old.rename(self.target)
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        if moved:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.old)
