"""Writing results without ever touching what the user owns.

Every folder ``plan`` writes into carries ``.plan-manifest.json``: the files plan wrote there and
their SHA-256. A file is *ours* when its folder's manifest lists it with that digest; a directory
is ours when everything in it is. The rules that follow from it:

* a path that holds nothing, or only our unchanged files, is replaced without asking;
* our files the user has since edited are replaced only with ``--overwrite``;
* anything else (a file or folder plan did not write) is never replaced, moved or deleted. With
  ``--overwrite`` plan adds its files next to the user's in a directory; without it, it refuses.

Results are built in temporary siblings and put in place at the end by :meth:`Outputs.commit`:
one ``os.replace`` per file, a kernel swap (``renameat2(RENAME_EXCHANGE)``) per directory where
the system offers it, so an interrupted or failed run leaves what was there before.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # pandas loads only with the first table: `plan --help` stays instant
    import pandas as pd

from plan.contracts.errors import InputError

MANIFEST = ".plan-manifest.json"
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
PNG_SUFFIXES = (".png",)
JSON_SUFFIXES = (".json",)

# Cells a spreadsheet would evaluate (OWASP "CSV injection"): stored with a leading quote, which
# Excel and LibreOffice show as text; `restore_formula_text` strips it again when plan reads a table.
# A text that already starts with quotes before such a character gets one more, so the quoting is
# undone exactly: plan's own files read back as written, and a protected export from another tool
# reads as the text its spreadsheet shows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_LIKE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")

# Every path committed by this process: what an interruption after a commit must not deny.
COMMITTED: list[Path] = []
# Held while results are put in place; an interruption waits for it (see plan.cli.interrupt).
COMMIT_LOCK = threading.RLock()
# Transactions under way: an interruption removes what they staged.
ACTIVE: list["Outputs"] = []


# --- formula-safe CSV ------------------------------------------------------------------------------

def _neutralise(value):
    if isinstance(value, str) and _FORMULA_LIKE.match(value):
        return "'" + value
    return value


def _is_text(column: "pd.Series") -> bool:
    from pandas.api.types import is_object_dtype, is_string_dtype

    return is_object_dtype(column) or is_string_dtype(column)


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would evaluate prefixed by ``'``."""
    text_columns = [c for c in frame.columns if _is_text(frame[c])]
    if not text_columns:
        return frame
    safe = frame.copy()
    for column in text_columns:
        safe[column] = safe[column].map(_neutralise)
    return safe


def restore_formula_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`formula_safe` on a table read back (a quoted ``'=x`` becomes ``=x`` again)."""
    for column in frame.columns:
        if _is_text(frame[column]):
            values = frame[column]
            quoted = values.astype(str).str.match(_QUOTED_FORMULA)
            if quoted.any():
                frame[column] = values.where(~quoted, values.astype(str).str.slice(1))
    return frame


def write_csv(frame: pd.DataFrame, path: str | Path, **options) -> Path:
    """The one CSV writer of results: formula-safe text, ``\\n`` line ends, no index."""
    formula_safe(frame).to_csv(path, index=False, lineterminator="\n", **options)
    return Path(path)


# --- the manifest --------------------------------------------------------------------------------

def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of what plan wrote in ``folder`` ({} when none or unreadable)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def write_manifest(folder: Path, files: dict[str, str]) -> None:
    from plan import __version__

    text = json.dumps({"written_by": f"plan {__version__}", "files": dict(sorted(files.items()))}, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f"{MANIFEST}.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    _private_to_usual_mode(Path(tmp), directory=False)
    os.replace(tmp, folder / MANIFEST)


def digests_of_tree(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` (the manifest excepted) → its digest."""
    return {path.relative_to(folder).as_posix(): file_digest(path)
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST}


@dataclass
class Ownership:
    """What a directory holds, by who wrote it (relative posix paths)."""
    ours: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)   # plan wrote it, the user has edited it since
    foreign: list[str] = field(default_factory=list)   # plan never wrote it (files, links, empty folders)


def ownership(folder: Path) -> Ownership:
    recorded = read_manifest(folder)
    result = Ownership()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.name == MANIFEST and path.is_file() and not path.is_symlink():
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            result.foreign.append(relative)
        elif path.is_dir():
            if not any(name.startswith(relative + "/") for name in recorded):
                result.foreign.append(relative)
        elif relative not in recorded:
            result.foreign.append(relative)
        elif file_digest(path) != recorded[relative]:
            result.changed.append(relative)
        else:
            result.ours.append(relative)
    return result


# --- checks a target passes before any work starts -----------------------------------------------

def refused(target: Path, problem: str, *, field: str) -> InputError:
    """An output path the command line gave that plan will not write: ``command line: --out: PATH: why``."""
    return InputError("command line", f"{target}: {problem}", field=field)


def _listing(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_writable_location(target: Path, option: str) -> None:
    """The nearest existing ancestor of ``target`` must be a folder we may create entries in."""
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise refused(target, f"cannot be created: {ancestor} is a file, not a folder", field=option)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise refused(target, f"cannot be written: no permission to write in {ancestor}", field=option)


def check_file_target(target: Path, option: str, overwrite: bool, suffixes: tuple[str, ...] | None) -> None:
    if suffixes and target.suffix.lower() not in suffixes:
        raise refused(target, f"must end in {' or '.join(suffixes)}", field=option)
    check_writable_location(target, option)
    if not (target.exists() or target.is_symlink()):
        return
    if target.is_dir() and not target.is_symlink():
        raise refused(target, "is a folder; give a file name", field=option)
    recorded = read_manifest(target.parent).get(target.name)
    if recorded is None or target.is_symlink():
        raise refused(target, "exists and was not written by plan, which never replaces it: move it away or "
                                 "choose another path", field=option)
    if not overwrite and file_digest(target) != recorded:
        raise refused(target, "was written by plan but has been edited since; pass --overwrite to replace it",
                         field=option)


def check_directory_target(target: Path, option: str, overwrite: bool, names: tuple[str, ...]) -> None:
    check_writable_location(target, option)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise refused(target, "is a file, not a folder; plan never replaces it: choose another path",
                         field=option)
    if not target.exists():
        return
    held = ownership(target)
    clashing = [name for name in held.foreign if name.split("/")[0] in names]
    if clashing:
        raise refused(target, f"holds {_listing(clashing)}, which plan did not write and never replaces: "
                                 "move it away or choose another folder", field=option)
    if held.foreign and not overwrite:
        raise refused(target, f"holds files plan did not write ({_listing(held.foreign)}); pass --overwrite to "
                                 "write the plan's files next to them (they stay untouched), or choose another "
                                 "folder", field=option)
    if held.changed and not overwrite:
        raise refused(target, f"files plan wrote have been edited since ({_listing(held.changed)}); pass "
                                 "--overwrite to replace them", field=option)
    if held.foreign and not os.access(target, os.W_OK | os.X_OK):
        raise refused(target, "cannot be written: no permission", field=option)


# --- putting results in place --------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two directory entries in one step (Linux ≥ 3.15); False where the system cannot."""
    function = _renameat2()
    if function is None:
        return False
    done = function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return done == 0


def _remove_recorded(folder: Path, recorded: dict[str, str]) -> None:
    """Delete the files of ``folder`` that plan wrote, then the folders that became empty."""
    for relative in recorded:
        path = folder / relative
        if path.is_file() and not path.is_symlink():
            path.unlink()
    for manifest in folder.rglob(MANIFEST):  # this folder's and those of plan folders inside it
        if manifest.is_file() and not manifest.is_symlink():
            manifest.unlink()
    for path in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()


def _private_to_usual_mode(path: Path, directory: bool) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if directory else 0o666) & ~mask)


class Output:
    """One result path: checked at once, staged on demand, put in place by :meth:`Outputs.commit`."""

    def __init__(self, target: Path, option: str, overwrite: bool):
        self.target, self.option, self.overwrite = Path(target), option, overwrite
        self._staging: Path | None = None
        self._made_parents: list[Path] = []
        self.check()

    def check(self) -> None:
        """Refuse the target (an InputError) if writing it would touch what plan did not write."""
        raise NotImplementedError

    def _make_parents(self) -> None:
        missing = []
        parent = self.target.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir()
            self._made_parents.append(folder)

    def discard(self) -> None:
        if self._staging is not None:
            if self._staging.is_dir() and not self._staging.is_symlink():
                shutil.rmtree(self._staging, ignore_errors=True)
            else:
                self._staging.unlink(missing_ok=True)
            self._staging = None
        for folder in reversed(self._made_parents):
            try:
                folder.rmdir()
            except OSError:
                break
        self._made_parents = []


class OutputFile(Output):
    def __init__(self, target: Path, option: str, overwrite: bool, suffixes: tuple[str, ...] | None):
        self.suffixes = suffixes
        super().__init__(target, option, overwrite)

    def check(self) -> None:
        check_file_target(self.target, self.option, self.overwrite, self.suffixes)

    @property
    def staging(self) -> Path:
        """A temporary file next to the target, with its suffix (writers choose the format by it)."""
        if self._staging is None:
            self._make_parents()
            fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=f".tmp{self.target.suffix}",
                                        dir=self.target.parent)
            os.close(fd)
            self._staging = Path(name)
        return self._staging

    def install(self) -> None:
        if self._staging is None:
            return
        _private_to_usual_mode(self._staging, directory=False)
        digest = file_digest(self._staging)
        os.replace(self._staging, self.target)
        self._staging = None
        recorded = read_manifest(self.target.parent)
        recorded[self.target.name] = digest
        write_manifest(self.target.parent, recorded)


class OutputDirectory(Output):
    def __init__(self, target: Path, option: str, overwrite: bool, names: tuple[str, ...]):
        self.names = names
        super().__init__(target, option, overwrite)

    def check(self) -> None:
        check_directory_target(self.target, self.option, self.overwrite, self.names)

    @property
    def staging(self) -> Path:
        """A fresh temporary folder next to the target, to be filled with the results."""
        if self._staging is None:
            self._make_parents()
            self._staging = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".tmp",
                                                  dir=self.target.parent))
        return self._staging

    def install(self) -> None:
        if self._staging is None:
            return
        staged, self._staging = self._staging, None
        _private_to_usual_mode(staged, directory=True)
        digests = digests_of_tree(staged)
        if not self.target.exists():
            write_manifest(staged, digests)
            os.rename(staged, self.target)
        elif not ownership(self.target).foreign:
            self._swap_in(staged, digests)
        else:
            self._merge_in(staged, digests)

    def _swap_in(self, staged: Path, digests: dict[str, str]) -> None:
        """Everything in the target is ours: the new folder replaces it as a whole."""
        write_manifest(staged, digests)
        previous = read_manifest(self.target)
        if exchange_paths(staged, self.target):
            _remove_recorded(staged, previous)
            return
        aside = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".old", dir=self.target.parent))
        aside.rmdir()
        os.rename(self.target, aside)
        os.rename(staged, self.target)
        _remove_recorded(aside, previous)

    def _merge_in(self, staged: Path, digests: dict[str, str]) -> None:
        """The user keeps files here (--overwrite): ours are replaced one by one, theirs stay."""
        previous = read_manifest(self.target)
        stale = {name: digest for name, digest in previous.items() if name not in digests}
        for relative in digests:
            destination = self.target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged / relative, destination)
        for relative in stale:
            path = self.target / relative
            if path.is_file() and not path.is_symlink():
                path.unlink()
        kept = {name: digest for name, digest in previous.items()
                if name not in stale and name not in digests}
        write_manifest(self.target, {**kept, **digests})
        shutil.rmtree(staged, ignore_errors=True)


@contextmanager
def _sigint_deferred() -> Iterator[list[int]]:
    """Hold Ctrl-C while results are put in place, so that they land whole; re-raise it after."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


class Outputs:
    """The results of one command, as a transaction.

    Register each result first (``file`` / ``directory`` check it at once, so a bad path fails before
    any work), write into ``.staging``, then leave the ``with`` block: on success every result is put
    in place; on an error or Ctrl-C the staged files are removed and nothing the user had changes.
    """

    def __init__(self, overwrite: bool = False):
        self.overwrite = overwrite
        self.items: list[Output] = []
        self.committed = False

    def _register(self, item: Output) -> Output:
        for other in self.items:
            if other.target.resolve() == item.target.resolve():
                raise refused(item.target, f"is also the path of {other.option}", field=item.option)
        self.items.append(item)
        return item

    def file(self, target: str | Path, option: str = "--out", suffixes: tuple[str, ...] | None = None) -> OutputFile:
        return self._register(OutputFile(Path(target), option, self.overwrite, suffixes))

    def directory(self, target: str | Path, option: str = "--out", names: tuple[str, ...] = ()) -> OutputDirectory:
        return self._register(OutputDirectory(Path(target), option, self.overwrite, names))

    def commit(self) -> None:
        """Check every target again (the user may have added files meanwhile), then put all in place."""
        if self.committed:
            return
        for item in self.items:
            item.check()
        with COMMIT_LOCK, _sigint_deferred():
            for item in self.items:
                item.install()
                COMMITTED.append(item.target)
            self.committed = True

    def discard(self) -> None:
        for item in self.items:
            item.discard()

    def __enter__(self) -> "Outputs":
        ACTIVE.append(self)
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                try:
                    self.commit()
                finally:
                    self.discard()
            else:
                self.discard()
        finally:
            ACTIVE.remove(self)


def discard_everything_staged() -> None:
    """What every transaction under way has staged, removed (the user's files were never touched)."""
    for outputs in list(ACTIVE):
        if not outputs.committed:
            outputs.discard()
