"""The web application: pages rendered on the server, plain forms, no scripts of our own.

Safety, in order of a request's passage:

* the ``Host`` header must name this machine when the server listens on it only (a web page
  elsewhere cannot reach it by renaming itself: DNS rebinding);
* with an access token (required for any other address), every request carries it in a cookie,
  set by the first visit to ``/?token=…``;
* every request that changes something is a POST whose form carries the page's CSRF token (equal
  to a cookie only our own pages can read), from a page of the same origin;
* uploads are capped in size (the request's length is checked before it is read) and type, and
  stored under generated names (:mod:`.workspace`); nothing in a URL or form is used as a path.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import secrets
from collections.abc import AsyncIterator, Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import ReportGenError, shown
from . import jobs as worker
from .jobs import Job, Jobs
from .narrative import FIELD_CHARS, config_problems, narrative_fields, save_narrative
from .workspace import UPLOAD_TABLES, District, Workspace, district_id, now_text

TOKEN_COOKIE = "report_gen_token"
CSRF_COOKIE = "report_gen_csrf"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
# Room for the form fields and multipart boundaries around the files themselves.
FORM_OVERHEAD = 256 * 1024
PAGE_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)
# The report preview: our own HTML writer's output, still kept from running anything.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)
DOWNLOADS = {  # kind → (file name suffix, media type)
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "html": (".html", "text/html; charset=utf-8"),
    "figures": (".figures.json", "application/json"),
}

_pages = jinja2.Environment(
    loader=jinja2.PackageLoader("report_gen.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Refused(Exception):
    """A request the page turns down, with the reason shown to the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard(BaseHTTPMiddleware):
    """Host, access token, same-origin and CSRF-cookie checks, and the security headers."""

    def __init__(self, app: Any, token: str | None, allowed_hosts: Collection[str] | None):
        super().__init__(app)
        self.token = token
        self.allowed_hosts = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = _host_name(request.headers.get("host", ""))
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return _refusal(request, Refused(400, "此页面只接受本机地址的访问"))
        if self.token is not None:
            given = request.query_params.get("token")
            if given is not None and request.method == "GET":
                if not _same(given, self.token):
                    return _refusal(request, Refused(403, "访问令牌不正确"))
                response: Response = RedirectResponse(request.url.path, status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return response
            if not _same(request.cookies.get(TOKEN_COOKIE), self.token):
                return _refusal(
                    request,
                    Refused(403, "需要访问令牌：请打开启动服务时显示的完整地址（含 ?token=…）"),
                )
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if (
                origin
                and origin != "null"
                and urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()
            ):
                return _refusal(request, Refused(403, "拒绝来自其他网站的提交"))
        csrf = request.cookies.get(CSRF_COOKIE)
        fresh = not (isinstance(csrf, str) and len(csrf) == 43)
        request.state.csrf = secrets.token_urlsafe(32) if fresh else csrf
        response = await call_next(request)
        if fresh:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf = getattr(request.state, "csrf", "")
    text = _pages.get_template(name).render(csrf=csrf, table_names=UPLOAD_TABLES, **context)
    return HTMLResponse(text, status_code=status)


def _refusal(request: Request, refused: Refused) -> HTMLResponse:
    return _render(request, "refused.html", status=refused.status, message=refused.message)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return _refusal(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "没有这个页面", 405: "不支持这种请求"}
    return _refusal(request, Refused(exc.status_code, messages.get(exc.status_code, str(exc.detail))))


async def _internal_error(request: Request, exc: Exception) -> Response:
    """An error of ours, not the user's: one line on the page, not a traceback."""
    return _refusal(request, Refused(500, f"内部错误：{type(exc).__name__}: {shown(exc, 300)}"))


class WebApp:
    """The pages of one workspace. Handlers read forms through :meth:`form`, which applies the
    size cap and the CSRF check."""

    def __init__(self, workspace: Workspace, jobs: Jobs):
        self.workspace = workspace
        self.jobs = jobs

    # Requests ----------------------------------------------------------------------------

    async def form(self, request: Request, files: int = 0) -> FormData:
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise Refused(411, "请求缺少长度，无法接收")
        limit = files * self.workspace.upload_bytes + FORM_OVERHEAD
        if int(length) > limit:
            megabytes = self.workspace.upload_bytes // (1024 * 1024)
            raise Refused(413, f"上传的内容过大：每个文件不超过 {megabytes} MB")
        try:
            form = await request.form(max_files=files, max_fields=400, max_part_size=FIELD_CHARS * 4)
        except HTTPException as exc:
            raise Refused(400, f"表单无法读取：{shown(exc.detail)}") from None
        if not _same(form.get("csrf"), request.state.csrf) or not request.cookies.get(CSRF_COOKIE):
            raise Refused(403, "页面已过期或来源不明，请刷新页面后重新提交")
        return form

    def district(self, request: Request) -> District:
        found = self.workspace.district(str(request.path_params["district"]))
        if found is None:
            raise Refused(404, "工作文件夹中没有这个区县的配置（可能已被移走），请回到首页重新选择")
        return found

    async def in_worker(self, function: Any, *args: Any) -> dict[str, Any]:
        return await asyncio.wrap_future(self.jobs.run(function, *args))

    async def validate(self, district: District) -> dict[str, Any]:
        """Check the inputs as ``validate --draft`` would: text still to write is counted on the page
        (and stops a build that is not a draft), not mixed in with the ledger's problems."""
        outcome = await self.in_worker(
            worker.run_validation,
            district.config,
            self.workspace.data_in_use(district.id),
            self.workspace.upload_names(district.id),
            self.workspace.problems_sheet(district.id),
            True,
        )
        outcome["time"] = now_text()
        self.workspace.update_state(district.id, {"validation": outcome})
        return outcome

    # Pages -------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        districts = sorted(self.workspace.districts().values(), key=lambda d: d.relative)
        return _render(
            request,
            "index.html",
            districts=districts,
            workspace=str(self.workspace.root),
            upload_mb=self.workspace.upload_bytes // (1024 * 1024),
        )

    async def create(self, request: Request) -> Response:
        form = await self.form(request, files=1)
        upload = form.get("ledger")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Refused(400, "请选择台账文件")
        district_name = str(form.get("district") or "").strip() or None
        year_text = str(form.get("year") or "").strip()
        if year_text and not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
            raise Refused(400, f"报告年度“{shown(year_text)}”应是四位数的年份")
        try:
            stored = self.workspace.store_upload(await upload.read(), upload.filename)
        except ReportGenError as exc:
            return _render(request, "failed.html", status=400, title="无法接收台账", outcome=_shown(exc))
        outcome = await self.in_worker(
            worker.create_district,
            self.workspace.new_district_folder(),
            stored.path,
            stored.original,
            district_name,
            int(year_text) if year_text else None,
        )
        stored.path.unlink(missing_ok=True)
        if not outcome["ok"]:
            return _render(request, "failed.html", status=400, title="未能新建区县", outcome=outcome)
        relative = Path(outcome["config"]).relative_to(self.workspace.root).as_posix()
        return RedirectResponse(f"/d/{district_id(relative)}", status_code=303)

    async def district_page(self, request: Request) -> Response:
        district = self.district(request)
        state = self.workspace.state(district.id)
        in_use = self.workspace.data_in_use(district.id)
        uploads = {k: v for k, v in (state.get("data") or {}).items() if k in in_use}
        placeholders = [f for f in _fields(district) if f.placeholder]
        return _render(
            request,
            "district.html",
            district=district,
            uploads=uploads,
            validation=state.get("validation"),
            build=state.get("build"),
            failed_build=state.get("failed_build"),
            city=state.get("city"),
            placeholders=placeholders,
            running=self.jobs.running(district.id),
            sheet=self.workspace.problems_sheet(district.id).is_file(),
            upload_mb=self.workspace.upload_bytes // (1024 * 1024),
        )

    async def upload(self, request: Request) -> Response:
        district = self.district(request)
        form = await self.form(request, files=len(UPLOAD_TABLES))
        chosen = {}
        for table in UPLOAD_TABLES:
            item = form.get(table)
            if isinstance(item, UploadFile) and item.filename:
                try:
                    chosen[table] = self.workspace.store_upload(await item.read(), item.filename)
                except ReportGenError as exc:
                    return _render(
                        request, "failed.html", status=400, title="无法接收文件", outcome=_shown(exc)
                    )
        if not chosen:
            raise Refused(400, "请至少选择一个文件")
        data = dict(self.workspace.state(district.id).get("data") or {})
        for table, stored in chosen.items():
            data[table] = {
                "stored": stored.path.relative_to(self.workspace.state_folder).as_posix(),
                "name": stored.original,
                "time": now_text(),
            }
        self.workspace.update_state(district.id, {"data": data})
        await self.validate(district)
        return RedirectResponse(f"/d/{district.id}#problems", status_code=303)

    async def check(self, request: Request) -> Response:
        district = self.district(request)
        await self.form(request)
        await self.validate(district)
        return RedirectResponse(f"/d/{district.id}#problems", status_code=303)

    async def forget(self, request: Request) -> Response:
        """Stop using the uploaded files: the config's own data paths apply again."""
        district = self.district(request)
        await self.form(request)
        self.workspace.update_state(district.id, {"data": {}, "validation": None})
        return RedirectResponse(f"/d/{district.id}", status_code=303)

    async def problems_sheet(self, request: Request) -> Response:
        district = self.district(request)
        sheet = self.workspace.problems_sheet(district.id)
        if not sheet.is_file():
            raise Refused(404, "还没有问题清单：请先上传台账或检查")
        return FileResponse(sheet, filename=f"{district.district}问题清单.xlsx")

    async def narrative(self, request: Request) -> Response:
        district = self.district(request)
        saved: list[str] = []
        outcome = None
        if request.method == "POST":
            form = await self.form(request)
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
            try:
                saved = save_narrative(district.config, values)
            except ReportGenError as exc:
                outcome = _shown(exc)
            if outcome is None:
                return RedirectResponse(f"/d/{district.id}/narrative?saved={len(saved)}", status_code=303)
        return _render(
            request,
            "narrative.html",
            status=400 if outcome else 200,
            district=district,
            fields=_fields(district),
            saved=request.query_params.get("saved"),
            outcome=outcome,
            config_problems=[dataclasses.asdict(p) for p in config_problems(district.config)],
        )

    async def build(self, request: Request) -> Response:
        district = self.district(request)
        form = await self.form(request)
        draft = bool(form.get("draft"))

        def remember(job: Job) -> None:
            outcome = job.outcome()
            outcome["time"] = now_text()
            changes: dict[str, Any] = {"build" if outcome["ok"] else "failed_build": outcome}
            if outcome["ok"]:
                changes["failed_build"] = None
            self.workspace.update_state(district.id, changes)

        job = self.jobs.submit(
            district.id,
            "build",
            worker.run_build,
            district.config,
            self.workspace.data_in_use(district.id),
            self.workspace.upload_names(district.id),
            self.workspace.out_dir,
            self.workspace.problems_sheet(district.id),
            draft,
            when_done=remember,
        )
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def city_batch(self, request: Request) -> Response:
        """Every district's report from a city's ledger, and the city summary."""
        district = self.district(request)
        await self.form(request)
        if not district.is_city:
            raise Refused(400, "只有市的配置才能按区县批量生成")
        running = [j for j in self.jobs.running(district.id) if j.kind == "city"]
        if running:  # one batch of a city at a time: the second press follows the first
            return RedirectResponse(f"/jobs/{running[0].id}", status_code=303)

        def remember(job: Job) -> None:
            outcome = job.outcome()
            outcome["time"] = now_text()
            self.workspace.update_state(district.id, {"city": outcome})

        progress: dict[str, Any] = {}
        job = self.jobs.submit(
            district.id,
            "city",
            worker.run_city,
            district.config,
            self.workspace.data_in_use(district.id),
            self.workspace.upload_names(district.id),
            self.workspace.out_dir,
            self.jobs.executor,
            progress,
            self.workspace.city_archive(district.id),
            when_done=remember,
            progress=progress,
        )
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def city_page(self, request: Request) -> Response:
        district = self.district(request)
        city = self.workspace.state(district.id).get("city")
        if not city:
            raise Refused(404, "还没有按区县批量生成过：请在市的页面点击“生成各区县报告”")
        summary_html = (city.get("city_summary") or {}).get("html", "")
        return _render(
            request,
            "city.html",
            district=district,
            city=city,
            archive=self.workspace.city_archive(district.id).is_file(),
            summary_html=bool(summary_html) and (self.workspace.out_dir / summary_html).is_file(),
        )

    def _city_output(self, request: Request) -> Path:
        district = self.district(request)
        summary = (self.workspace.state(district.id).get("city") or {}).get("city_summary") or {}
        name = str(summary.get("html", ""))
        path = self.workspace.out_dir / name
        if not name.endswith(".html") or "/" in name or "\\" in name or not path.is_file():
            raise Refused(404, "没有全市汇总的网页版：请重新批量生成")
        return path

    async def city_summary(self, request: Request) -> Response:
        response = FileResponse(self._city_output(request), media_type=DOWNLOADS["html"][1])
        response.headers["Content-Security-Policy"] = REPORT_POLICY
        return response

    async def city_archive(self, request: Request) -> Response:
        district = self.district(request)
        archive = self.workspace.city_archive(district.id)
        if not archive.is_file():
            raise Refused(404, "还没有批量生成的报告")
        return FileResponse(archive, filename=f"{district.label}各区县报告.zip", media_type="application/zip")

    async def job_page(self, request: Request) -> Response:
        job = self.jobs.get(str(request.path_params["job"]))
        if job is None:
            raise Refused(404, "没有这项任务（服务重新启动后，之前的任务不再保留）")
        district = self.workspace.district(job.district_id)
        done = job.done  # read once: the job may finish while this page is rendered
        if done and job.outcome()["ok"]:
            page = "city" if job.kind == "city" else "preview"
            return RedirectResponse(f"/d/{job.district_id}/{page}", status_code=303)
        return _render(
            request,
            "job.html",
            job=job,
            done=done,
            district=district,
            outcome=job.outcome() if done else None,
        )

    async def preview(self, request: Request) -> Response:
        district = self.district(request)
        build = self.workspace.state(district.id).get("build")
        if not build:
            raise Refused(404, "还没有生成过报告：请在区县页面点击“生成报告”")
        return _render(
            request, "preview.html", district=district, build=build, downloads=self._downloads(build)
        )

    def _downloads(self, build: dict[str, Any]) -> dict[str, str]:
        """Kind → file name of the last build's outputs that are still in the output folder."""
        found: dict[str, str] = {}
        for item in build.get("outputs", []):
            name = str(item)
            kind = next((k for k, (suffix, _) in DOWNLOADS.items() if name.endswith(suffix)), None)
            if kind is None or kind in found or "/" in name or "\\" in name:
                continue
            if (self.workspace.out_dir / name).is_file():
                found[kind] = name
        return found

    def _output(self, request: Request, kind: str) -> Path:
        district = self.district(request)
        build = self.workspace.state(district.id).get("build") or {}
        name = self._downloads(build).get(kind)
        if name is None:
            raise Refused(404, "没有这个文件：请先生成报告")
        return self.workspace.out_dir / name

    async def report_view(self, request: Request) -> Response:
        response = FileResponse(self._output(request, "html"), media_type=DOWNLOADS["html"][1])
        response.headers["Content-Security-Policy"] = REPORT_POLICY
        return response

    async def download(self, request: Request) -> Response:
        kind = str(request.path_params["kind"])
        if kind not in DOWNLOADS:
            raise Refused(404, "没有这种文件")
        path = self._output(request, kind)
        response = FileResponse(path, media_type=DOWNLOADS[kind][1], filename=path.name)
        if kind == "html":
            response.headers["Content-Security-Policy"] = REPORT_POLICY
        return response


def _fields(district: District) -> list[Any]:
    try:
        return narrative_fields(district.config)
    except ReportGenError:
        return []


def _shown(exc: ReportGenError) -> dict[str, Any]:
    return {"ok": False, "kind": exc.kind, "problems": [dataclasses.asdict(p) for p in exc.problems]}


def create_app(
    workspace: Workspace,
    *,
    token: str | None = None,
    allowed_hosts: Collection[str] | None = None,
    jobs: Jobs | None = None,
) -> Starlette:
    """The web page for ``workspace``.

    ``token``: when given, every request must carry it (see :class:`Guard`); ``None`` for a server
    only this machine can reach. ``allowed_hosts``: the host names the ``Host`` header may give
    (``None``: any). ``jobs``: the worker pool (default: two worker processes).
    """
    pages = WebApp(workspace, jobs or Jobs())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        pages.jobs.start()
        yield
        pages.jobs.shutdown()

    routes = [
        Route("/", pages.index),
        Route("/districts", pages.create, methods=["POST"]),
        Route("/d/{district}", pages.district_page),
        Route("/d/{district}/upload", pages.upload, methods=["POST"]),
        Route("/d/{district}/check", pages.check, methods=["POST"]),
        Route("/d/{district}/forget", pages.forget, methods=["POST"]),
        Route("/d/{district}/problems.xlsx", pages.problems_sheet),
        Route("/d/{district}/narrative", pages.narrative, methods=["GET", "POST"]),
        Route("/d/{district}/build", pages.build, methods=["POST"]),
        Route("/d/{district}/preview", pages.preview),
        Route("/d/{district}/report", pages.report_view),
        Route("/d/{district}/download/{kind}", pages.download),
        Route("/d/{district}/city", pages.city_page),
        Route("/d/{district}/city/batch", pages.city_batch, methods=["POST"]),
        Route("/d/{district}/city/summary", pages.city_summary),
        Route("/d/{district}/city/reports.zip", pages.city_archive),
        Route("/jobs/{job}", pages.job_page),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=token, allowed_hosts=allowed_hosts)],
        exception_handlers={Refused: _refused, HTTPException: _http_error, Exception: _internal_error},
        lifespan=lifespan,
    )
    app.state.pages = pages
    return app
