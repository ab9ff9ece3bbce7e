"""The one door through which msc writes files: checked targets, atomic swaps, one unit.

Every file msc writes (reports and their companions, sweep outputs, run files, templates,
exported LPs) goes through :class:`OutputUnit` or :func:`atomic_write`, so the promises
below are kept in one place:

- **inputs are never written**: a target that is one of the run's inputs (main workbook,
  scenario file, plan workbook) is refused, with or without ``overwrite``;
- **nothing is replaced without ``overwrite``**, and the check is atomic: a new file is
  put in place with ``os.link`` (which fails if the name exists), so two runs writing the
  same new target cannot both succeed; nothing msc did not create is ever deleted;
- **no half-written file**: each file is written to a temporary file in the target's
  folder (same file system, so the swap is a rename), flushed with ``fsync`` and swapped
  in; if writing fails the temporary file is removed and the target is as it was;
- **one unit**: a report and its companions are all written to temporary files first,
  then swapped in together while the folder is locked (``flock``), so concurrent runs
  cannot interleave a report from one with a flow diagram from the other;
- **permissions from the umask**: temporary files are created with mode 0666 (the kernel
  applies the umask), not ``mkstemp``'s private 0600; a replaced file keeps its mode;
- **killed runs leave nothing that is read**: temporary names are hidden
  (``.<name>.<pid>.<random>.part<suffix>``); a later write to the same folder removes
  those whose process is gone.

OS errors while writing (read-only folder, full disk) become one-line
:class:`~msc_model.errors.OutputError`\\ s.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from msc_model.errors import OutputError

try:  # POSIX; on Windows renames of one unit are not serialised between processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: temporary files carry this before their suffix, so that they are never mistaken for
#: outputs (a sweep's ``runs/*.parquet``) and can be recognised when stale
TEMP_MARK = ".part"
#: a temporary file whose process is gone is removed only when older than this (seconds):
#: a process id seen from another machine sharing the folder may look dead here
STALE_AFTER = 600.0
#: free space a target's folder must have before a run starts (bytes)
MIN_FREE = 16 * 2**20

Save = Callable[[Path], None]


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (also through hard links or case-folding)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_target(
    path: str | Path,
    *,
    overwrite: bool,
    protect: Iterable[str | Path | None] = (),
    what: str = "the output",
    probe: bool = True,
) -> Path:
    """Refuse a target that must not be written; return it as a ``Path``.

    This is the early check (before a solve). The final one happens again, atomically, when
    the file is swapped in.

    Raises
    ------
    OutputError
        If ``path`` is one of the ``protect`` files (an input of the run), a folder, an
        existing file without ``overwrite``, or its folder is missing or not writable.
    """
    path = Path(path)
    for other in protect:
        if other and same_file(path, other):
            raise OutputError(
                f"{path} is an input workbook of this run; {what} must go to another "
                "file (inputs are never written, even with --overwrite)"
            )
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as report.xlsx")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise OutputError(f"{path} exists; use --overwrite to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist")
    if probe:
        check_writable(path.parent)
    return path


def check_writable(folder: str | Path, need: int = MIN_FREE) -> None:
    """Refuse a folder msc cannot create files in, or one on a nearly full disk.

    A probe file is created and removed: permission bits alone do not tell (root, ACLs,
    read-only mounts).
    """
    folder = Path(folder)
    try:
        probe = _create_temp(folder / "probe", "")
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {_reason(exc)}") from None
    probe.unlink(missing_ok=True)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:  # unknown: the write itself will tell
        return
    if free < need:
        raise OutputError(
            f"only {free / 2**20:.1f} MB free in {folder}; at least "
            f"{need / 2**20:.0f} MB are needed for the outputs"
        )


def new_file_mode() -> int:
    """The mode a new file gets: 0666 less the umask."""
    mask = os.umask(0)  # the only portable way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _create_temp(target: Path, suffix: str) -> Path:
    """Create (exclusively) a hidden temporary file beside ``target``; mode from umask."""
    for _ in range(100):
        name = f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_MARK}{suffix}"
        tmp = target.with_name(name)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))


def is_temp(path: Path) -> bool:
    """Whether ``path`` is a temporary file of this module (never an output)."""
    return path.name.startswith(".") and TEMP_MARK in path.name


def clean_stale_temps(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove temporary files left in ``folder`` by killed msc processes; return them.

    Only files named like ours, whose process id is not running here and which are older
    than :data:`STALE_AFTER` are removed; everything else is left alone.
    """
    now = time.time() if now is None else now
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            path = Path(entry.path)
            if not entry.is_file(follow_symlinks=False) or not is_temp(path):
                continue
            pid = _pid_of(path.name)
            if pid is None or _alive(pid):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
                    path.unlink()
                    removed.append(path)
    return removed


_cleaned: set[Path] = set()


def _clean_once(folder: Path) -> None:
    """:func:`clean_stale_temps` once per folder and process (a sweep writes thousands)."""
    key = folder.resolve()
    if key not in _cleaned:
        _cleaned.add(key)
        clean_stale_temps(folder)


def _pid_of(name: str) -> int | None:
    parts = name.split(TEMP_MARK)[0].rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours (EPERM)
        return True
    return True


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every system lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``folder`` itself (no lock file is left behind)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield  # a folder that cannot be opened cannot be locked; renames stay atomic
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class _Staged:
    target: Path
    tmp: Path
    keep_alternative: bool  # a locked target: keep the new file under another name
    follow: Callable[[Path], Path] | None = None  # name after the unit's first file's


@dataclass
class Written:
    """Where one file of a unit went and what the user must be told."""

    path: Path
    note: str = ""


@dataclass
class OutputUnit:
    """Files written as one: every file staged to a temporary file, then all swapped in.

    Use as a context manager: leaving it by an exception removes every temporary file and
    touches no target.

    Parameters
    ----------
    overwrite
        Replace existing targets; without it any existing target fails the whole unit.
    protect
        The run's inputs: never written.
    """

    overwrite: bool = False
    protect: tuple[str | Path | None, ...] = ()
    staged: list[_Staged] = field(default_factory=list)
    removals: list[Path] = field(default_factory=list)

    def __enter__(self) -> OutputUnit:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()

    def stage(
        self,
        target: str | Path,
        save: Save,
        *,
        suffix: str | None = None,
        keep_locked: bool = False,
        follow: Callable[[Path], Path] | None = None,
    ) -> Path:
        """Write one file of the unit: ``save(tmp)`` must write the complete file to ``tmp``.

        ``suffix`` is the temporary file's ending (default: the target's), for writers that
        choose the format by it. With ``keep_locked``, a target that cannot be replaced
        because it is locked (open in Excel) is left alone and the new file kept as
        ``<stem> (n)<suffix>``; a later file staged with ``follow`` then goes to
        ``follow(<that name>)`` (a report's flow diagrams stay beside it).

        Raises
        ------
        OutputError
            As :func:`check_target`, or when the file cannot be written (disk full, ...).
        """
        target = check_target(target, overwrite=self.overwrite, protect=self.protect, probe=False)
        if any(same_file(s.target, target) for s in self.staged):
            raise ValueError(f"{target} is written twice in one unit")
        _clean_once(target.parent)
        try:
            tmp = _create_temp(target, target.suffix if suffix is None else suffix)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
        self.staged.append(_Staged(target, tmp, keep_locked, follow))
        try:
            save(tmp)
            if target.is_file():  # a replaced file keeps its permissions
                os.chmod(tmp, target.stat().st_mode & 0o7777)
            _fsync_file(tmp)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
        return tmp

    def remove_after(self, path: Path) -> None:
        """Delete ``path`` once the unit is swapped in (a file msc wrote earlier)."""
        self.removals.append(Path(path))

    def commit(self) -> list[Written]:
        """Swap every staged file in, in order; return where each went.

        Without ``overwrite`` each new name is created with ``os.link``, which fails if the
        name exists (another process got there first): the names this unit already created
        are then removed again and :class:`OutputError` is raised.
        """
        written: list[Written] = []
        created: list[Path] = []
        folders = sorted({s.target.parent.resolve() for s in self.staged})
        with contextlib.ExitStack() as locks:
            for folder in folders:
                locks.enter_context(folder_lock(folder))
            try:
                for item in self.staged:
                    if item.follow is not None and written and written[0].note:
                        item.target = item.follow(written[0].path)
                    written.append(self._swap(item, created))
            except BaseException:
                for path in created:  # names this unit made; nothing else is touched
                    path.unlink(missing_ok=True)
                raise
            for path in self.removals:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        for folder in folders:
            _fsync_dir(folder)
        self.staged.clear()
        return written

    def _swap(self, item: _Staged, created: list[Path]) -> Written:
        try:
            if self.overwrite:
                _rename(item.tmp, item.target)
            else:
                _link_new(item.tmp, item.target)
                created.append(item.target)
            return Written(item.target)
        except FileExistsError:
            raise OutputError(
                f"{item.target} was created by another process meanwhile; "
                "use --overwrite to replace it"
            ) from None
        except PermissionError:
            if not item.keep_alternative:
                raise OutputError(f"cannot replace {item.target}: permission denied") from None
        except OSError as exc:
            raise OutputError(f"cannot write {item.target}: {_reason(exc)}") from None
        # The target is locked (open in Excel): keep the new file beside it.
        target = item.target
        for n in range(1, 100):
            alt = target.with_name(f"{target.stem} ({n}){target.suffix}")
            try:
                _link_new(item.tmp, alt)
            except FileExistsError:
                continue
            except OSError as exc:
                raise OutputError(f"cannot write {alt}: {_reason(exc)}") from None
            created.append(alt)
            note = f"{target.name} is locked (open in Excel?); the new file is {alt.name}"
            return Written(alt, note)
        raise OutputError(f"{target} is locked and no free alternative name was found")

    def discard(self) -> None:
        """Remove every temporary file not swapped in."""
        for item in self.staged:
            with contextlib.suppress(OSError):
                item.tmp.unlink()
        self.staged.clear()


def _rename(tmp: Path, target: Path) -> None:
    """The one place msc renames a file over another (atomic on one file system)."""
    os.replace(tmp, target)


def _link_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the new name ``target``, failing if it exists; then drop ``tmp``.

    ``os.link`` is the atomic "rename unless the name exists" of POSIX. Where hard links
    are not supported, the name is reserved with an exclusive create and then replaced.
    """
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            _rename(tmp, target)
        except BaseException:
            target.unlink(missing_ok=True)  # the empty name this call reserved
            raise
        return
    with contextlib.suppress(OSError):  # the new name exists; discard() retries the rest
        tmp.unlink()


def atomic_write(
    target: str | Path,
    save: Save,
    *,
    overwrite: bool = False,
    protect: Iterable[str | Path | None] = (),
    suffix: str | None = None,
    keep_locked: bool = False,
) -> Written:
    """Write one file atomically (a unit of one); see :class:`OutputUnit`."""
    with OutputUnit(overwrite=overwrite, protect=tuple(protect)) as unit:
        unit.stage(target, save, suffix=suffix, keep_locked=keep_locked)
        return unit.commit()[0]


def write_bytes(target: str | Path, data: bytes, **options) -> Written:
    """:func:`atomic_write` of fixed bytes."""
    return atomic_write(target, lambda tmp: tmp.write_bytes(data), **options)
