"""Open the user's files as untrusted input: regular files only, and no larger than a cap.

A config, ledger, template or reference document may name anything the
operating system can open: ``/dev/zero`` never ends, a FIFO blocks forever, a
folder cannot be read, a symlink may loop, a name may be too long. Each is
refused by its type before any byte is read, with a message naming the file
and, for a config value, the key; a file over its size cap is refused the same
way instead of being read into memory.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import Problem, ReportGenError, shown

MB = 1024 * 1024
CONFIG_BYTES = 2 * MB
TEMPLATE_BYTES = 2 * MB
LEDGER_BYTES = 512 * MB
DOCX_BYTES = 64 * MB

_OS_REASONS = {
    errno.ENOENT: "不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ELOOP: "符号链接形成循环",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
}


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "管道（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def _fail(error: type[ReportGenError], message: str, path: Path, key: str | None) -> ReportGenError:
    return error(Problem(message, file=display_name(path), key=key))


def display_name(path: Path | str) -> str:
    """The path as messages and outputs show it: control characters and bytes that are not
    UTF-8 (a name unzipped from another system) escaped."""
    return shown(path, 200)


def os_reason(exc: OSError) -> str:
    """What went wrong, in the user's words, for an error from opening or reading a file."""
    return _OS_REASONS.get(exc.errno or 0) or f"无法读取（{exc.strerror or type(exc).__name__}）"


def check_regular(
    path: Path, what: str, error: type[ReportGenError], key: str | None = None, limit: int | None = None
) -> os.stat_result:
    """``stat`` of ``path`` when it is a regular file (symlinks followed) no larger than ``limit``.

    Raises ``error`` naming the file (and ``key``) otherwise: missing, a folder, a device, a FIFO,
    a symlink loop, a name too long, unreadable, or too large.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _fail(error, f"{what}{os_reason(exc)}", path, key) from None
    except ValueError:  # a NUL in the name
        raise _fail(error, f"{what}的路径含有不允许的字符", path, key) from None
    if not stat.S_ISREG(info.st_mode):
        raise _fail(error, f"{what}应是普通文件，这里是{_kind(info.st_mode)}", path, key)
    if limit is not None and info.st_size > limit:
        raise _fail(error, f"{what}过大（{info.st_size / MB:.1f} MB，上限 {limit // MB} MB）", path, key)
    return info


def read_limited(
    path: Path, what: str, error: type[ReportGenError], limit: int, key: str | None = None
) -> bytes:
    """The bytes of a regular file no larger than ``limit``; raises ``error`` naming it otherwise.

    The file is checked by type before it is opened, opened without blocking (a FIFO swapped in
    meanwhile cannot hang the read) and checked again on the open handle.
    """
    check_regular(path, what, error, key, limit)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _fail(error, f"{what}{os_reason(exc)}", path, key) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _fail(error, f"{what}应是普通文件，这里是{_kind(info.st_mode)}", path, key)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _fail(error, f"{what}{os_reason(exc)}", path, key) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _fail(error, f"{what}过大（上限 {limit // MB} MB）", path, key)
    return data
