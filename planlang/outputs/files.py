"""Output files: the one place where planlang writes a file (`--out`, `--rejects`).

Every command that writes a file goes through `output_target` (checked before any work is done)
and `write_output` / `OutputFile` (the writing):

- an output never replaces an input: a target that is the same file as an input (same inode,
  whatever the path: a symlink, a hard link, `./x`) is refused (PL421);
- a regular file (or a name that does not exist yet) is written to a temporary file in the same
  folder, with a short name (`.planlang-XXXXXXXX.tmp`, so that any valid file name works), flushed
  to disk, then renamed over the target: the target is the whole output or is left as it was;
- a symbolic link is written through: its target is replaced (atomically, as above) and the link
  stays a link;
- a named pipe (FIFO), a character device (`/dev/null`, a terminal) and the names of an open file
  descriptor (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`) are written in place,
  streamed, without a temporary file: they cannot be renamed over, and "whole or nothing" has no
  meaning for them; a block device or a socket is refused (PL422);
- the file keeps the permissions of the file it replaces (and its owner and group, when allowed),
  and a new file gets the permissions of the umask (0666 & ~umask), as `>` in a shell gives;
- everything is UTF-8, with the line ends the writer writes.

`write_whole` is for an output that must appear whole or not at all wherever it goes, standard
output and files written in place included (the detailed billing CSV, which reads its inputs as it
writes): what is not renamed into place is written to a temporary file first, then copied.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import attrs

from planlang.diagnostics import Diagnostic, PlanlangError

#: The prefix of the names that stand for an open file descriptor, written in place.
DESCRIPTOR_NAMES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")


@attrs.frozen
class Target:
    """Where an output goes, decided before any work is done."""

    name: str  # as the user gave it: the name in every message
    path: Path  # where the bytes go: the link's target for a symbolic link
    in_place: bool = False  # a FIFO, a character device, an open file descriptor
    mode: int | None = None  # the permissions of the file replaced
    owner: tuple[int, int] | None = None  # its user and group


def _cannot(name: str, why: str, help: str | None = None) -> PlanlangError:
    return PlanlangError([Diagnostic("PL422", f"cannot write `{name}`: {why}", help=help)])


def output_target(name: str, inputs: Iterable[str | Path] = (), option: str = "--out") -> Target:
    """Check an output file name against the inputs and what is at that path now.

    PL421 for an empty name or an input; PL422 for a folder, a block device, a socket, or a path
    that cannot be looked at."""
    if not name.strip():
        raise PlanlangError([Diagnostic("PL421", f"{option} needs a file name")])
    path = Path(name)
    try:
        status: os.stat_result | None = os.stat(path)  # through symbolic links
    except FileNotFoundError:
        status = None
    except OSError as error:  # a loop of links, a name too long, a file where a folder should be
        raise _cannot(name, error.strerror or str(error)) from None
    if status is not None:
        _not_an_input(name, status, inputs, option)
        kind = stat.S_IFMT(status.st_mode)
        if kind == stat.S_IFDIR:
            raise _cannot(name, "it is a folder", help="give a file name, e.g. `--out bill.csv`")
        if kind in (stat.S_IFBLK, stat.S_IFSOCK):
            what = "a block device" if kind == stat.S_IFBLK else "a socket"
            raise _cannot(name, f"it is {what}", help="give a file name, e.g. `--out bill.csv`")
        if kind != stat.S_IFREG or name.startswith(DESCRIPTOR_NAMES):
            return Target(name, path, in_place=True)
        return Target(name, Path(os.path.realpath(path)), mode=stat.S_IMODE(status.st_mode),
                      owner=(status.st_uid, status.st_gid))
    return Target(name, Path(os.path.realpath(path)))  # a new file (or a dangling link's target)


def _not_an_input(name: str, status: os.stat_result, inputs: Iterable[str | Path],
                  option: str) -> None:
    """Refuse an output that is an input file, compared by device and inode: the same file
    whatever the path (a symbolic link, a hard link, `./x`). Only files and folders count: a
    terminal or a pipe that is both standard input and standard output is not overwritten."""
    for given in inputs:
        try:
            other = os.stat(given)
        except OSError:  # an input that is not there is not overwritten
            continue
        same = (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino)
        if same and stat.S_IFMT(other.st_mode) in (stat.S_IFREG, stat.S_IFDIR):
            which = "" if str(given) == name else f" (the file `{given}`)"
            raise PlanlangError([Diagnostic(
                "PL421", f"{option} `{name}`{which} is an input of this command: it would "
                "be overwritten", help="write the output to another file")])


def same_target(one: Target, other: Target) -> bool:
    """Two outputs that would write the same file."""
    if one.path == other.path:
        return True
    try:
        return os.path.samefile(one.path, other.path)
    except OSError:
        return False


def umask() -> int:
    """The process's umask (read by setting it, then setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class OutputFile:
    """One output being written: `open()` gives the text stream, `commit()` puts it in place,
    `discard()` removes what was written (the temporary file; nothing for a file written in
    place). Use `write_output` unless the file is opened lazily."""

    def __init__(self, target: Target):
        self.target = target
        self.stream: IO[str] | None = None
        self._temporary: str | None = None

    def open(self) -> IO[str]:
        target = self.target
        if target.in_place:
            try:  # appending: `/dev/stdout` on a file opened with `>>` keeps what is there
                fd = os.open(target.path, os.O_WRONLY | os.O_APPEND)
            except OSError as error:
                raise _cannot(target.name, error.strerror or str(error)) from None
        else:
            try:
                fd, self._temporary = tempfile.mkstemp(prefix=".planlang-", suffix=".tmp",
                                                       dir=target.path.parent)
            except OSError as error:
                raise _cannot(target.name, error.strerror or str(error)) from None
            try:
                if target.owner is not None and target.owner != (os.geteuid(), os.getegid()):
                    try:
                        os.fchown(fd, *target.owner)
                    except OSError:
                        pass  # only root may give a file away: it is then the writer's
                os.fchmod(fd, target.mode if target.mode is not None else 0o666 & ~umask())
            except BaseException:
                os.close(fd)
                self.discard()
                raise
        self.stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self.stream

    def commit(self) -> None:
        """Flush the stream to disk and rename the temporary file over the target."""
        assert self.stream is not None
        try:
            self.stream.flush()
            if self._temporary is not None:
                os.fsync(self.stream.fileno())
            self.stream.close()
            if self._temporary is not None:
                os.replace(self._temporary, self.target.path)
                self._temporary = None
        except OSError as error:
            self.discard()
            raise _cannot(self.target.name, error.strerror or str(error)) from None

    def discard(self) -> None:
        if self.stream is not None and not self.stream.closed:
            try:
                self.stream.close()
            except OSError:
                pass
        if self._temporary is not None:
            try:
                os.unlink(self._temporary)
            except FileNotFoundError:
                pass
            self._temporary = None


def write_output(target: Target, write: Callable[[IO[str]], object]) -> None:
    """Run `write` on the output's text stream, then put the output in place; on any failure
    or interruption, the temporary file is removed and the target left as it was. An OSError
    (disk full, a pipe closed) is PL422."""
    output = OutputFile(target)
    stream = output.open()
    try:
        write(stream)
    except OSError as error:
        output.discard()
        raise _cannot(target.name, error.strerror or str(error)) from None
    except BaseException:
        output.discard()
        raise
    output.commit()


def write_whole(target: Target | None, write: Callable[[IO[str]], object]) -> None:
    """`write_output`, but standard output (`target` None) and a target written in place get
    nothing unless `write` finishes: it writes to an anonymous temporary file, copied once done."""
    if target is not None and not target.in_place:
        write_output(target, write)
        return
    name = "standard output" if target is None else target.name
    try:
        spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
    except OSError as error:
        raise _cannot(name, f"no temporary file ({error.strerror or error})",
                      help="set TMPDIR to a folder planlang can write to") from None
    with spool:
        try:
            write(spool)
            spool.seek(0)
        except OSError as error:  # as write_output says it (a full disk)
            raise _cannot(name, error.strerror or str(error)) from None
        if target is None:
            shutil.copyfileobj(spool, sys.stdout)
        else:
            write_output(target, lambda stream: shutil.copyfileobj(spool, stream))
