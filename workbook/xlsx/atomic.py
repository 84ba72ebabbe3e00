"""Writing a file so that it is either wholly replaced or untouched, and never by two writers at once.

``atomic_file(destination)`` yields a handle on an *unnamed* file in the destination's folder (Linux
``O_TMPFILE``): until it is complete it has no name, so no interruption, not even SIGKILL or a power cut,
can leave a half-written file or a temporary behind. When complete it gets a hidden name and is renamed
over the destination in one step (the window in which a name exists is two system calls long). Where
``O_TMPFILE`` is not available (other systems, some network file systems) a named temporary
``.NAME.kc-XXXX.tmp`` is used instead; a later ``claimed`` of the same destination removes such leftovers.

* Symlinks are written through: the destination is the file a symlink points to, which is replaced,
  while the symlink stays a symlink.
* The replacement keeps the original's permission bits (and owner, where allowed).
* ``backup=True`` copies the current file to ``NAME.bak`` first, or to the first free ``NAME.bak2``,
  ``NAME.bak3``, ... when a backup exists: a backup is never overwritten, and a ``.bak`` that is a symlink
  counts as taken, never followed (created with ``O_EXCL``).

``claimed(destination)`` is what a command holds while it reads and writes a book: it checks that the
destination can be written (folder exists, not a directory or device, not read-only unless forced) and
takes an exclusive lock (``flock``) on the book itself, or on ``.NAME.kc-lock`` while a new file is being
created, so a second ``kc`` writing the same file is refused in one line instead of silently losing one
of the two results. A lock dies with its process, so a killed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import BookError

try:
    import fcntl
except ImportError:  # Windows: the lock falls back to an exclusive-create lock file
    fcntl = None

MAX_BACKUPS = 1000
# Signals the command layer has received (workbook.commands). Its handler raises an exception where the
# program is, but one raised inside a finaliser is only printed and lost; a write is therefore never
# committed once a signal has arrived.
STOP_SIGNALS: list[int] = []


def real_destination(destination: str | Path) -> Path:
    """The file a write to ``destination`` should replace: symlinks resolved (also a dangling one)."""
    return Path(os.path.realpath(os.fspath(destination)))


def _check_target(target: Path, shown: Path) -> os.stat_result | None:
    folder = target.parent
    if not folder.exists():
        raise BookError(f"{shown}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise BookError(f"{shown}: {folder} is not a folder")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise BookError(f"{shown}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise BookError(f"{shown} is a directory; give a file name to write")
    if not stat.S_ISREG(info.st_mode):
        raise BookError(f"{shown} is not a regular file (a device, pipe or socket); it cannot be replaced")
    return info


def is_read_only(info: os.stat_result, target: Path) -> bool:
    # Mode bits, not only access(): root may write anything, but a file marked read-only means "keep".
    return not (info.st_mode & 0o222) or not os.access(target, os.W_OK)


@dataclass
class Output:
    handle: object
    backup: Path | None = None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unnamed_file(folder: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError:  # the file system does not support unnamed files
        return None


def temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.kc-{secrets.token_hex(4)}.tmp")


def leftover_temporaries(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{glob_escape(target.name)}.kc-*.tmp"))


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@contextlib.contextmanager
def atomic_file(destination: str | Path, *, backup: bool = False):
    """Yields an ``Output`` whose ``handle`` takes the new content; on success it replaces ``destination``
    (backing the old one up first if asked), on failure nothing changes and nothing is left behind."""
    shown = Path(destination)
    target = real_destination(destination)
    info = _check_target(target, shown)
    fd = _unnamed_file(target.parent)
    named = None
    if fd is None:
        named = temporary_name(target)
        try:
            fd = os.open(named, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as error:
            raise BookError(f"{shown}: cannot write in {target.parent} ({error.strerror or error})") from None
    linked = None
    written_backup = None
    try:
        with os.fdopen(fd, "w+b") as handle:
            output = Output(handle)
            yield output
            handle.flush()
            os.fsync(handle.fileno())
            mode = stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask()
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
                if info is not None and hasattr(os, "fchown"):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(handle.fileno(), info.st_uid, info.st_gid)
            if named is None:
                linked = temporary_name(target)
                if not _name_unnamed(handle.fileno(), linked):
                    _copy_to(handle, linked)
            else:
                linked = named
            if backup and info is not None:
                written_backup = make_backup(target)
                output.backup = written_backup
            if STOP_SIGNALS:
                raise KeyboardInterrupt  # interrupted meanwhile (see STOP_SIGNALS): keep the original
            os.replace(linked, target)
            linked = None
        _sync_folder(target.parent)
    except BaseException:
        for leftover in (linked, named):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
        if written_backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(written_backup)
        raise


def _name_unnamed(fd: int, name: Path) -> bool:
    """Give an O_TMPFILE file a name: linkat() of its /proc/self/fd entry, following that magic link
    (os.link() does not follow it, and AT_EMPTY_PATH would need a privilege)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, at_symlink_follow = -100, 0x400
        done = libc.linkat(at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd, os.fsencode(name), at_symlink_follow)
    except (OSError, AttributeError, ImportError):
        return False
    return done == 0


def _copy_to(handle, name: Path) -> None:
    """The unnamed file's content into a new named file (when it cannot be linked)."""
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as copy:
        handle.seek(0)
        while chunk := handle.read(1 << 20):
            copy.write(chunk)
        copy.flush()
        os.fsync(copy.fileno())
        os.fchmod(copy.fileno(), os.fstat(handle.fileno()).st_mode & 0o7777)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def backup_names(target: Path):
    yield target.with_name(target.name + ".bak")
    for n in range(2, MAX_BACKUPS + 1):
        yield target.with_name(f"{target.name}.bak{n}")


def make_backup(target: Path) -> Path:
    """A copy of ``target`` under the first free backup name, created exclusively (never through a
    symlink, never over an existing file)."""
    for name in backup_names(target):
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            continue
        except OSError as error:
            raise BookError(f"{target}: cannot write the backup {name.name} ({error.strerror or error})") from None
        try:
            with open(target, "rb") as source, os.fdopen(fd, "wb") as copy:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
                info = os.fstat(source.fileno())
                if hasattr(os, "fchmod"):
                    os.fchmod(copy.fileno(), stat.S_IMODE(info.st_mode))
            os.utime(name, ns=(info.st_atime_ns, info.st_mtime_ns))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
        return name
    raise BookError(f"{target}: {MAX_BACKUPS} backups exist already ({target.name}.bak ... .bak{MAX_BACKUPS}); "
                    f"remove old ones")


def lock_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.kc-lock")


@contextlib.contextmanager
def _lock(target: Path, shown: Path):
    """An exclusive lock on the book itself while it exists (flock on its inode: nothing to leave behind,
    even after SIGKILL), or on ``.NAME.kc-lock`` beside it while it is being created."""
    busy = BookError(f"{shown} is being written by another kc command right now; try again when it has finished")
    while True:
        exists = fcntl is not None and os.path.exists(target)
        path = target if exists else lock_name(target)
        if exists:
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        else:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            flags |= 0 if fcntl else os.O_EXCL
        try:
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:
            if exists:
                continue  # the book was removed between the check and the open: look again
            raise BookError(f"{shown}: cannot write in {target.parent} (no such file or directory)") from None
        except FileExistsError:  # (no fcntl) the lock file exists: another writer holds it, or held it
            raise BookError(f"{shown} is being written by another kc command (lock file {path.name}); if none "
                            f"is running, a crashed one left it: delete it") from None
        except OSError as error:
            raise BookError(f"{shown}: cannot write in {target.parent} ({error.strerror or error})") from None
        if fcntl is None:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise busy from None
        # The holder before us may have replaced the book (or removed the lock file) between our open and
        # our lock: then we hold a lock on a file nobody else sees, so start again.
        try:
            same = os.fstat(fd).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        if not exists:
            with contextlib.suppress(OSError):
                os.unlink(path)  # removed while still locked, so no one can lock the old file after us
        os.close(fd)


@contextlib.contextmanager
def claimed(destination: str | Path, *, force: bool = False):
    """Hold ``destination`` for writing: checked (see the module's note), locked, leftovers of an earlier
    killed run removed. Yields the real file that will be replaced."""
    shown = Path(destination)
    target = real_destination(destination)
    info = _check_target(target, shown)
    if info is not None and not force and is_read_only(info, target):
        raise BookError(f"{shown} is read-only; make it writable, or use --force to replace it anyway")
    with _lock(target, shown):
        stale = leftover_temporaries(target)
        if target.exists() and fcntl is not None:
            stale.append(lock_name(target))  # we hold the book: a lock file beside it is a killed run's
        for leftover in stale:
            with contextlib.suppress(OSError):
                leftover.unlink()
        yield target
