"""``report-gen serve``: start the web page for a workspace on this machine (or, with an access
token, for the office)."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from typing import TextIO

from ..errors import OptionError, Problem
from .app import LOOPBACK_NAMES, create_app
from .workspace import Workspace

TOKEN_MIN_CHARS = 12


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = (
            "已被占用，请用 --port 换一个端口"
            if exc.errno in (98, 48, 10048)
            else f"无法使用（{exc.strerror}）"
        )
        raise OptionError(Problem(f"地址 {host}:{port} {reason}")) from None
    sock.listen(128)
    return sock


def serve(
    workspace: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    stdout: TextIO,
) -> int:
    """Serve ``workspace`` until interrupted.

    On this machine only (127.0.0.1, localhost, ::1) no token is needed unless given. On any other
    address a token is required: ``token``, or one generated and printed with the address to open.
    """
    import uvicorn

    folder = Workspace(workspace)
    loopback = host in LOOPBACK_NAMES
    if token is not None and len(token) < TOKEN_MIN_CHARS:
        raise OptionError(Problem(f"--token 至少要{TOKEN_MIN_CHARS}个字符"))
    if not loopback and token is None:
        token = secrets.token_urlsafe(18)
    sock = _listening_socket(host, port)
    app = create_app(folder, token=token, allowed_hosts=LOOPBACK_NAMES if loopback else None)
    shown_host = f"[{host}]" if ":" in host else host
    address = f"http://{shown_host}:{sock.getsockname()[1]}/"
    print(f"工作文件夹：{folder.root}", file=stdout)
    if token is None:
        print(f"请在本机的浏览器中打开 {address}", file=stdout)
    else:
        print(f"请在浏览器中打开 {address}?token={token}", file=stdout)
        print("（访问令牌只给需要使用的人；不带令牌的访问一律拒绝）", file=stdout)
    print("按 Ctrl+C 停止。", file=stdout, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops cleanly on Ctrl+C, then passes the signal on
        pass
    print("已停止。", file=stdout)
    return 0
