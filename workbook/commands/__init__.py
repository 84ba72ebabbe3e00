"""The ``kc`` command: one module per verb, each adding its parser (``add_parser``) and its ``cmd_*``.

Errors of input (a data file, a workbook, a function argument, an output path, a resource limit) print
one line on stderr and exit 2; so do bad command-line arguments. An unexpected exception (a bug) is one
line too, exit 3 (``KC_TRACEBACK=1`` shows the traceback). Interruptions are quiet: Ctrl+C
(SIGINT), SIGTERM and SIGHUP end the command with one line, after every temporary file is removed
(the signals are turned into exceptions, so each ``with`` block cleans up on the way out); a closed pipe
(``kc check BOOK | head``) ends it silently.

Temporary files: a book being written is an unnamed file until it is complete (``workbook.xlsx.atomic``),
so nothing is left beside it even by SIGKILL. Everything else a command puts in the temporary folder
(the `formulas` engine's copy, LibreOffice profiles) goes into a private scratch folder of this process,
``$TMPDIR/kc-scratch-<uid>/<pid>-...``, removed at exit; one left by a killed process (its lock is free)
is removed by the next ``kc`` command.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from kcfuncs.errors import KCInputError
from workbook.errors import BookError

try:
    import fcntl
except ImportError:  # Windows: no scratch folder sweeping
    fcntl = None

VERBS = ("value", "evaluate", "build", "refresh", "set_inputs", "freeze", "check", "inputs", "excel", "libreoffice")
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived; raised where the program was, so clean-up runs as for Ctrl+C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors on one line (``kc refresh: error: argument --workers: ...``), exit 2."""

    def error(self, message):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {' '.join(message.split())}\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    from importlib import import_module

    parser = OneLineParser(prog="kc", description="KC valuation functions, workbook and checks.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in VERBS:
        import_module(f"workbook.commands.{verb}").add_parser(verbs)
    return parser


@contextlib.contextmanager
def signals_as_exceptions():
    """SIGINT -> KeyboardInterrupt, SIGTERM/SIGHUP -> Terminated; a second signal during the clean-up
    the first one started is ignored, so the clean-up finishes."""
    from workbook.xlsx import atomic

    received = atomic.STOP_SIGNALS
    received.clear()

    def handler(signum, frame):
        if received:
            return
        received.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {}
    try:
        for signum in wanted:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread (e.g. called from a worker thread): leave signals alone
        previous.clear()
    try:
        yield received
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        received.clear()


def _scratch_root() -> Path | None:
    root = Path(tempfile.gettempdir()) / f"kc-scratch-{os.getuid() if hasattr(os, 'getuid') else 0}"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(root)
    except OSError:
        return None
    # A shared temporary folder: use the scratch root only if it is our own real folder (not a symlink
    # planted by someone else).
    if not os.path.isdir(root) or os.path.islink(root) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    return root


def sweep_scratch(root: Path) -> None:
    """Remove scratch folders whose process is gone: their lock can be taken."""
    for folder in root.iterdir():
        lock = folder / ".lock"
        try:
            fd = os.open(lock, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            # Being created right now, or its lock file never got written: old ones only.
            with contextlib.suppress(OSError):
                if time.time() - os.lstat(folder).st_mtime > 3600:
                    shutil.rmtree(folder, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # its process is alive
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)


@contextlib.contextmanager
def scratch_folder():
    """A private temporary folder for this process (see the module's note); ``tempfile`` uses it."""
    root = _scratch_root() if fcntl is not None else None
    if root is None:
        yield None
        return
    with contextlib.suppress(OSError):
        sweep_scratch(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
    # Locked under another name first, then renamed: a sweeping kc never sees an unlocked .lock of ours.
    fd = os.open(folder / ".lock-new", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(folder / ".lock-new", folder / ".lock")
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def _os_message(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"


def parse(argv=None) -> argparse.Namespace:
    """The arguments; a verb that takes a list of positionals (``kc set BOOK --data F Name=value``) gets
    those that follow its options too (argparse alone stops the list at the first option)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        more = getattr(args, "more_positionals", None)
        if more is None or any(item.startswith("-") for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        getattr(args, more).extend(extra)
    return args


def main(argv=None) -> int:
    args = parse(argv)
    with signals_as_exceptions() as received, scratch_folder():
        try:
            code = args.run(args)
            sys.stdout.flush()  # here, so a closed pipe is seen now and not at interpreter exit
            if received:  # the signal's exception was lost in a finaliser: still an interruption
                raise KeyboardInterrupt
            return code
        except (BookError, KCInputError) as error:
            print(f"kc {args.verb}: {error}", file=sys.stderr)
            return EXIT_INPUT
        except BrokenPipeError:
            # The reader went away (kc check BOOK | head): stop quietly, and keep Python's exit-time flush quiet too.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except (KeyboardInterrupt, Terminated):
            signum = received[0] if received else signal.SIGINT
            if signum == signal.SIGINT:
                print(f"kc {args.verb}: interrupted", file=sys.stderr)
                return 130
            print(f"kc {args.verb}: terminated by signal {signum}", file=sys.stderr)
            return 128 + signum
        except MemoryError:
            print(f"kc {args.verb}: out of memory; the workbook is too large for a headless refresh", file=sys.stderr)
            return EXIT_INPUT
        except OSError as error:
            print(f"kc {args.verb}: {_os_message(error)}", file=sys.stderr)
            return EXIT_INPUT
        except Exception as error:  # noqa: BLE001 - a bug of ours: one line for the user, exit 3
            if os.environ.get("KC_TRACEBACK"):
                raise
            print(f"kc {args.verb}: internal error ({type(error).__name__}: {' '.join(str(error).split())[:200]}); "
                  f"set KC_TRACEBACK=1 to see where", file=sys.stderr)
            return EXIT_INTERNAL
