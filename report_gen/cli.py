"""``report-gen``: parse options, call the library, turn its errors into messages and exit codes.

Exit status: 0 success; 2 the user's input is wrong (config, data, template,
option); 1 anything else. Expected failures print one line per problem, never
a traceback (``--debug`` shows one for unexpected failures).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
import traceback
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import OptionError, Problem, ReportGenError, shown
from .user_paths import readable

BUILD_EXAMPLE = """example:
  report-gen build config/sample.yaml
  report-gen build config/sample.yaml --data organizations=ledger_2026.xlsx --set report.year=2026
  report-gen build config/sample.yaml --format docx,html,md --out out/
  report-gen build config/sample.yaml --format docx,pdf     (PDF: needs LibreOffice)
"""
VALIDATE_EXAMPLE = """example:
  report-gen validate config/sample.yaml
  report-gen validate config/sample.yaml --data organizations=ledger.xlsx --problems problems.xlsx
"""
INIT_EXAMPLE = """example:
  report-gen init baisha --ledger 白沙区台账2025.xlsx
  report-gen init baisha --ledger ledger.csv --district 白沙区 --year 2025
"""


BATCH_EXAMPLE = """example:
  report-gen batch city.yaml --split-by district              (one report per district, and a city summary)
  report-gen batch city.yaml --split-by district --jobs 2 --no-summary
  report-gen batch districts/                                 (every .yaml in the folder, one report each)
  report-gen batch baisha.yaml qingxi.yaml --summary --city 江城市

exit status: 0 when every report was built or found unchanged; 2 when any failed (the others are
still built); 1 for an unexpected failure.
"""
DIFF_EXAMPLE = """example:
  report-gen diff old/qingxi-2025.figures.json out/qingxi-2025.figures.json
"""
SERVE_EXAMPLE = """example:
  report-gen serve                          (this folder, at http://127.0.0.1:8000/)
  report-gen serve --workspace . --port 8080
  report-gen serve --host 0.0.0.0           (the office network: prints an address with a token)

needs the web extra: pip install 'report-gen[web]'
"""

DOCTOR_EXAMPLE = """example:
  report-gen doctor
  report-gen doctor config/sample.yaml     (the fonts that config's style names)

exit status: 0 when a Word report can be built here, 1 when something essential is missing.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit 2 with its own wording; keep ours uniform
        raise OptionError(Problem(f"{message}（运行 {self.prog} --help 查看用法）"))


def _outputs(parser: argparse.ArgumentParser) -> None:
    """``--out`` and ``--format``, the same for one report and for many."""
    parser.add_argument("--out", default="out", metavar="DIR", help="where outputs go (default: out/)")
    parser.add_argument(
        "--format",
        default="docx",
        metavar="LIST",
        help="comma-separated from docx,pdf,html,md (default: docx); pdf is the .docx converted by "
        "LibreOffice, which must be installed (see report-gen doctor)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="the report's YAML config, e.g. config/sample.yaml")
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="TABLE=PATH",
        help="use this file for a table named in the config (repeatable), "
        "e.g. organizations=ledger_2025.xlsx",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        dest="sets",
        metavar="KEY=VALUE",
        help="override one config value by its dotted key (repeatable); VALUE is read "
        "as YAML, e.g. report.year=2025",
    )
    parser.add_argument(
        "--draft",
        action="store_true",
        help="accept 【待填写】 placeholders: build a 征求意见稿 with them highlighted",
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback for unexpected errors")


def _watch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep running: build again whenever a config, ledger or Word file it reads is saved "
        "(only the reports whose inputs changed); stop with Ctrl+C",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="report-gen",
        description="Turn a district's ledger of organisations (Excel/CSV 台账) and a YAML config into "
        "a Chinese survey report (调研报告) in Word, laid out to GB/T 9704.",
        epilog=BUILD_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"report-gen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    build = sub.add_parser(
        "build",
        help="validate inputs, compute figures, draw charts, write the report",
        description="Build one report: validate the inputs, compute every figure, draw the charts and "
        "write NAME.docx (and .pdf/.html/.md) plus NAME.figures.json.",
        epilog=BUILD_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(build)
    _outputs(build)
    build.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    build.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing the report depends on changed since the last build "
        "(by default such a build is skipped and says so)",
    )
    _watch_option(build)
    validate = sub.add_parser(
        "validate",
        help="only check the inputs; writes no report",
        description="Run only the input checks of build and list every problem. Writes no report.",
        epilog=VALIDATE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(validate)
    validate.add_argument(
        "--problems",
        metavar="PATH",
        help="also write every problem to a .csv or .xlsx file to sort and filter",
    )
    init = sub.add_parser(
        "init",
        help="write a new district's config from its ledger",
        description="Write DIR/<district>.yaml: a config extending the built-in base, with the report "
        "details read from the ledger's title row (or given), its data paths, and a 【待填写】 "
        "placeholder for every narrative item to write.",
        epilog=INIT_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("folder", metavar="DIR", help="where to write the config")
    init.add_argument("--ledger", required=True, metavar="FILE", help="the district's ledger (.xlsx/.csv)")
    init.add_argument("--district", help="district name, when the ledger's title row does not give it")
    init.add_argument("--year", type=int, help="report year, when the ledger's title row does not give it")
    init.add_argument("--force", action="store_true", help="overwrite an existing config")
    init.add_argument("--debug", action="store_true", help="show a traceback for unexpected errors")
    batch = sub.add_parser(
        "batch",
        help="build many reports: a city ledger split by district, or several configs",
        description="Build one report per district of a city ledger (--split-by district), or one per config "
        "(or per .yaml in a folder), in parallel; a report whose inputs did not change is skipped. With "
        "--split-by, a city summary report is written too (--no-summary: not).",
        epilog=BATCH_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(batch)
    batch.add_argument("more", nargs="*", metavar="CONFIG", help="more configs or folders of configs")
    batch.add_argument(
        "--split-by",
        metavar="COLUMN",
        help="split the config's ledgers by this column (district) and build one report per value",
    )
    batch.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the city summary report (default: on with --split-by, off otherwise)",
    )
    batch.add_argument("--city", help="the city's name for the summary of several configs, e.g. 江城市")
    _outputs(batch)
    batch.add_argument(
        "--jobs", type=int, metavar="N", help="reports built at once (default: the number of cores)"
    )
    batch.add_argument("--force", action="store_true", help="rebuild every report, changed or not")
    _watch_option(batch)
    batch.add_argument(
        "-q", "--quiet", action="store_true", help="no progress; print the summary table and problems"
    )
    diff = sub.add_parser(
        "diff",
        help="list the figures that changed between two NAME.figures.json files",
        description="Compare two figures.json files (of two builds of a report): every figure that changed, "
        "old → new, with the sentences of the report that state it.",
        epilog=DIFF_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("old", metavar="OLD.figures.json")
    diff.add_argument("new", metavar="NEW.figures.json")
    diff.add_argument("--debug", action="store_true", help="show a traceback for unexpected errors")
    doctor = sub.add_parser(
        "doctor",
        help="say what this machine has and lacks for each output, and how to install it",
        description="Check this machine for each output: Python and packages, the Chinese font for "
        "charts (.docx), the official fonts for an accurate preview, LibreOffice for PDF. Each missing "
        "piece comes with the command that installs it on this operating system.",
        epilog=DOCTOR_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    doctor.add_argument("config", nargs="?", help="a config whose style fonts to check (default: built-in)")
    doctor.add_argument("--debug", action="store_true", help="show a traceback for unexpected errors")
    serve = sub.add_parser(
        "serve",
        help="a web page for the whole job: upload ledgers, see problems, fill in text, build, download",
        description="Start a local web page on a workspace: pick a district (or create one from its ledger), "
        "upload the ledgers, see every problem in a table, fill in the narrative, build and preview the "
        "report, download the .docx. Listens on this machine only unless --host says otherwise; any other "
        "address requires an access token.",
        epilog=SERVE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--workspace", default=".", metavar="DIR", help="the folder with the district configs (default: .)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--token",
        help="access token the page asks for (default: none on 127.0.0.1, generated for any other host)",
    )
    serve.add_argument("--debug", action="store_true", help="show a traceback for unexpected errors")
    return parser


WEB_MODULES = ("starlette", "uvicorn", "multipart", "ruamel.yaml")


def _serve(args: argparse.Namespace, stdout) -> int:
    import importlib.util

    from .errors import EnvironmentProblem

    missing = []
    for module in WEB_MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            missing.append(module)
    if missing:
        raise EnvironmentProblem(
            Problem(
                f"网页界面需要的组件未安装（缺少 {', '.join(missing)}）：请运行 pip install 'report-gen[web]'"
                "（在本项目文件夹中：.venv/bin/pip install -e '.[web]'）"
            )
        )
    from .web.server import serve

    return serve(args.workspace, host=args.host, port=args.port, token=args.token, stdout=stdout)


def _doctor(config: str | None, stdout) -> int:
    from . import doctor

    layout = None
    if config is not None:
        from .config import load_config

        layout = load_config(config).layout
    outputs = doctor.examine(layout)
    for line in doctor.report_lines(outputs):
        print(line, file=stdout)
    return 0 if doctor.ready_for_docx(outputs) else 1


def _diff(old_path: str, new_path: str, stdout) -> int:
    from .errors import DataError
    from .output import figure_diff, previous_figures

    documents = []
    for given in (old_path, new_path):
        document, damaged = previous_figures(Path(given))
        if damaged is not None or document is None:
            reason = "无法读取（不是 report-gen 写出的 figures.json，或已损坏）" if damaged else "不存在"
            raise DataError(Problem(f"数据清单{reason}", file=given))
        documents.append(document)
    lines = figure_diff(documents[0], documents[1])
    if not lines:
        print("两次生成的数据没有变化。", file=stdout)
    for line in lines:
        print(line, file=stdout)
    return 0


class _Progress:
    """One line per finished report, or a progress bar (tqdm) on a terminal; nothing with ``-q``."""

    def __init__(self, stream, quiet: bool):
        self.stream, self.quiet = stream, quiet
        self.total = self.done = 0
        self.bar: Any = None

    def start(self, total: int) -> None:
        self.total = total
        if self.quiet or not total:
            return
        if getattr(self.stream, "isatty", lambda: False)():
            try:
                from tqdm import tqdm
            except ImportError:  # plain lines serve as well
                return
            self.bar = tqdm(total=total, file=self.stream, unit="份", desc="生成报告", leave=False)

    def __call__(self, outcome) -> None:
        from .batch import STATUS_TEXT

        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.name} {STATUS_TEXT[outcome.status]}", refresh=False)
            self.bar.update(1)
        elif not self.quiet:
            print(
                f"[{self.done}/{self.total}] {outcome.name}：{STATUS_TEXT[outcome.status]}（{outcome.seconds:.1f}秒）",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _batch(args: argparse.Namespace, stdout, stderr) -> int:
    from .batch import FAILED, STATUS_TEXT, build_all

    if args.jobs is not None and args.jobs < 1:
        raise OptionError(Problem(f"--jobs 应是正整数，收到 {args.jobs}"))
    progress = _Progress(stderr, args.quiet)
    try:
        result = build_all(
            [args.config, *args.more],
            split_by=args.split_by,
            summary=args.summary,
            city=args.city,
            overrides=overrides_from(args.sets),
            data=data_from(args.data),
            out_dir=args.out,
            formats=args.format,
            draft=args.draft,
            force=args.force,
            workers=args.jobs,
            on_start=progress.start,
            on_done=progress,
        )
    finally:
        progress.close()
    if result.warnings:
        print(f"警告{len(result.warnings)}条（全市台账）：", file=stderr)
        _print_problems(result.warnings, stderr)
    if result.problems:
        print(f"台账中有{len(result.problems)}处问题不属于任何区县，这些行未进入任何报告：", file=stderr)
        _print_problems(result.problems, stderr)
    if not args.quiet:
        for line in result.ignored:
            print(line, file=stdout)
    every = [*result.outcomes, *([result.summary] if result.summary else [])]
    rows = [["区县", "状态", "变化的数据", "用时", "输出"]]
    for outcome in every:
        first = next((p for p in outcome.outputs if not p.name.endswith(".figures.json")), None)
        rows.append(
            [
                shown(outcome.name),
                STATUS_TEXT[outcome.status] + (f"（{outcome.kind}）" if outcome.status == FAILED else ""),
                str(len(outcome.changes)) if outcome.status != FAILED else "-",
                f"{outcome.seconds:.1f}秒",
                readable(str(first)) if first else "-",
            ]
        )
    for line in aligned(rows):
        print(line, file=stdout)
    for outcome in every:
        if outcome.changes:
            print(f"{shown(outcome.name)}的数据变化：", file=stdout)
            for line in outcome.changes:
                print(f"  {line}", file=stdout)
    failed = [o for o in every if o.status == FAILED]
    for outcome in failed:
        print(
            f"{shown(outcome.name)}：{outcome.kind}（{len(outcome.problems)}处），未生成报告：", file=stderr
        )
        _print_problems(outcome.problems, stderr)
    counts = {status: sum(o.status == status for o in result.outcomes) for status in STATUS_TEXT}
    print(
        f"共{len(result.outcomes)}份报告：已生成{counts['built']}份，未变化跳过{counts['skipped']}份，"
        f"失败{counts['failed']}份。",
        file=stdout,
    )
    return 2 if result.failed else 0


def _print_problems(problems: Sequence[Problem], stream) -> None:
    for p in problems:
        mark = "错误" if p.is_error else "警告"
        print(f"  [{mark}] {p}", file=stream)


def _problem_rows(problems: Sequence[Problem]) -> list[list[object]]:
    return [
        [
            "错误" if p.is_error else "警告",
            shown(p.file or "", 200),
            shown(p.sheet or ""),
            p.row or "",
            shown(p.column or ""),
            shown(p.value or ""),
            shown(p.key or "", 200),
            shown(p.message, 600),
        ]
        for p in problems
    ]


PROBLEM_HEADER = ["级别", "文件", "工作表", "行", "列", "值", "配置项", "问题"]
# Marks a problem sheet report-gen wrote (the workbook's title), so only such a sheet is replaced.
PROBLEM_SHEET_TITLE = "report-gen 问题清单"
# A spreadsheet reads a cell starting with these as a formula (=HYPERLINK(...), +cmd|...):
# the cell is written with a leading apostrophe, as OWASP's CSV-injection advice says.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _is_problem_sheet(path: Path) -> bool:
    """Whether ``path`` is a problem sheet this command wrote before (and may be replaced)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    if path.suffix.lower() == ".csv":
        return head.startswith(("\ufeff" + ",".join(PROBLEM_HEADER)).encode("utf-8"))
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml") if "docProps/core.xml" in archive.namelist() else b""
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return PROBLEM_SHEET_TITLE.encode("utf-8") in core


def write_problems_file(path: Path, problems: Sequence[Problem], inputs: Sequence[Path] = ()) -> None:
    """Every problem as a sortable table; ``.xlsx`` or ``.csv`` (UTF-8 with BOM, so Excel reads it).

    Cells are data, never formulas: text in the .xlsx, apostrophe-prefixed in the .csv. The sheet
    is never written over one of ``inputs``, nor over an existing file it did not write itself.
    """
    from .output import refuse_overwriting_inputs, write_atomically

    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise OptionError(Problem(f"--problems 文件应以 .csv 或 .xlsx 结尾，收到“{shown(path.name)}”"))
    refuse_overwriting_inputs([path], inputs)
    if os.path.lexists(path) and not _is_problem_sheet(path):
        raise OptionError(
            Problem(
                f"--problems 不会覆盖已有的文件 {shown(path)}（它不是以前写出的问题清单）；请换一个文件名"
            )
        )
    rows = _problem_rows(problems)
    if suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        book.properties.title = PROBLEM_SHEET_TITLE
        sheet = book.active
        sheet.title = "问题清单"
        sheet.append(PROBLEM_HEADER)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never a formula
        binary = io.BytesIO()
        book.save(binary)
        content = binary.getvalue()
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(PROBLEM_HEADER)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        content = ("\ufeff" + text.getvalue()).encode("utf-8")
    write_atomically(path.parent if str(path.parent) else Path("."), {path.name: content}, inputs, lock=False)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as text columns, padded by display width (a Chinese character is two columns)."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _summary_table(result) -> list[str]:
    rows = [["表", "文件", "工作表", "有效行", "忽略行"]]
    for key, table in result.ledgers.tables.items():
        rows.append(
            [
                result.config.ledgers[key].label,
                table.file_label,
                table.sheet or "-",
                str(len(table.frame)),
                str(len(table.ignored)),
            ]
        )
    return aligned(rows)


def overrides_from(sets: Sequence[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` options as config overrides; each VALUE is read as YAML."""
    from .config import load_yaml_text, parse_assignment

    overrides: dict[str, Any] = {}
    for item in sets:
        key, text = parse_assignment(item, "--set")
        overrides[key] = load_yaml_text(text, f"--set {key}")
    return overrides


def data_from(items: Sequence[str]) -> dict[str, str]:
    """``--data TABLE=PATH`` options as a table → file mapping."""
    from .config import parse_assignment

    return dict(parse_assignment(item, "--data") for item in items)


def _inputs(args: argparse.Namespace) -> list[Path]:
    """The files this command reads, as far as known even when the config did not load."""
    paths = [Path(args.config), *(Path(item.partition("=")[2]) for item in args.data)]
    try:
        from .config import load_config

        paths += load_config(args.config, overrides_from(args.sets), data_from(args.data)).input_files()
    except ReportGenError:
        pass
    return paths


def _init(args: argparse.Namespace, stdout, stderr) -> int:
    from .scaffold import init_district

    written = init_district(
        args.folder, args.ledger, district=args.district, year=args.year, force=args.force
    )
    print(f"已写出 {written}", file=stdout)
    print("请填写其中的【待填写】各项，然后运行：", file=stdout)
    print(f"  report-gen build {written}", file=stdout)
    return 0


def _validate(args: argparse.Namespace, stdout, stderr) -> int:
    from . import pipeline  # heavy imports only when there is work to do

    failure: ReportGenError | None = None
    try:
        result = pipeline.validate(
            args.config, overrides=overrides_from(args.sets), data=data_from(args.data), draft=args.draft
        )
        problems: list[Problem] = result.warnings
    except ReportGenError as exc:
        failure, problems = exc, exc.problems
    if args.problems:  # the problem sheet is written whether or not the check passed
        write_problems_file(Path(args.problems), problems, _inputs(args))
    if failure is not None:
        raise failure
    for line in _summary_table(result):
        print(line, file=stdout)
    for line in pipeline.ignored_rows_summary(result.ledgers):
        print(f"  {line}", file=stdout)
    if problems:
        print(f"发现{len(problems)}个警告：", file=stderr)
        _print_problems(problems, stderr)
    print("输入检查通过。", file=stdout)
    return 0


def _build(args: argparse.Namespace, stdout, stderr) -> int:
    from . import pipeline  # heavy imports only when there is work to do

    built = pipeline.build(
        args.config,
        overrides=overrides_from(args.sets),
        data=data_from(args.data),
        out_dir=args.out,
        formats=args.format,
        draft=args.draft,
        skip_unchanged=not args.force,
    )
    if isinstance(built, pipeline.SkippedBuild):
        if built.warnings:
            print(f"警告{len(built.warnings)}条（上次生成时）：", file=stderr)
            for line in built.warnings:
                print(f"  {line}", file=stderr)
        if not args.quiet:
            print("输入与上次生成时相同，未重新生成（加 --force 重新生成）。", file=stdout)
            print(built.summary(), file=stdout)
            for path in built.outputs:
                print(f"未变化 {readable(str(path))}", file=stdout)
        return 0
    if built.warnings:
        print(f"警告{len(built.warnings)}条（报告已生成）：", file=stderr)
        _print_problems(built.warnings, stderr)
    if not args.quiet:
        for line in built.ignored:
            print(line, file=stdout)
        if built.changes:
            print("与上次生成相比，以下数据有变化：", file=stdout)
            for line in built.changes:
                print(f"  {line}", file=stdout)
        print(built.summary(), file=stdout)
        for path in built.outputs:
            print(f"已写出 {readable(str(path))}", file=stdout)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Any, Any], int]] = {
    "build": _build,
    "validate": _validate,
    "init": _init,
    "doctor": lambda args, stdout, stderr: _doctor(args.config, stdout),
    "diff": lambda args, stdout, stderr: _diff(args.old, args.new, stdout),
    "batch": _batch,
    "serve": lambda args, stdout, stderr: _serve(args, stdout),
}
"""What each subcommand runs: its parsed options and the output streams in, the exit status out."""


def run(argv: Sequence[str] | None = None, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    words = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in words
    command = next((w for w in words if w in COMMANDS), "build")
    try:
        parser = make_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(stdout)
            return 0
        if getattr(args, "watch", False):
            return _watching(args, stdout, stderr)
        return COMMANDS[args.command](args, stdout, stderr)
    except ReportGenError as exc:
        return _say_error(exc, command, stderr)
    except KeyboardInterrupt:
        print("已中断，未生成报告。", file=stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one message, exit 1
        if debug:
            traceback.print_exc(file=stderr)
        print(
            f"内部错误，未生成报告：{type(exc).__name__}: {shown(exc, 300)}（加 --debug 查看详情）",
            file=stderr,
        )
        return 1


def _say_error(exc: ReportGenError, command: str, stderr) -> int:
    """An expected failure in one message (every problem listed); its exit status."""
    errors = [p for p in exc.problems if p.is_error]
    outcome = {"build": "，未生成报告", "init": "，未写出配置"}.get(command, "")
    if len(exc.problems) == 1:
        print(f"{exc.kind}{outcome}：{exc.problems[0]}", file=stderr)
    else:
        print(f"{exc.kind}（{len(errors) or len(exc.problems)}处）{outcome}：", file=stderr)
        _print_problems(exc.problems, stderr)
    return exc.exit_code


def _watching(args: argparse.Namespace, stdout, stderr) -> int:
    """``--watch``: build, then build again each time an input is saved, until Ctrl+C. A build that
    fails says why and the watch goes on (the fix is the next change); the exit status is the last
    build's."""
    from .watch import load_builders, snapshot, wait_for_change, watched_files

    once = COMMANDS[args.command]
    configs = [args.config, *getattr(args, "more", [])]

    def inputs() -> list[Path]:
        return watched_files(configs, overrides_from(args.sets), data_from(args.data))

    state = snapshot(inputs())  # as the first build finds them
    code = 0
    while True:
        try:
            code = once(args, stdout, stderr)
        except ReportGenError as exc:
            code = _say_error(exc, args.command, stderr)
        except KeyboardInterrupt:  # during a build: it is not finished, the last one stands
            print("已中断本次生成，已停止监视。", file=stdout)
            return code
        except Exception as exc:  # noqa: BLE001 - one build's internal error; the next save may not have it
            if args.debug:
                traceback.print_exc(file=stderr)
            print(
                f"内部错误，未生成报告：{type(exc).__name__}: {shown(exc, 300)}（加 --debug 查看详情）",
                file=stderr,
            )
            code = 1
        args.force = False  # --force is for the first build; later ones build what changed
        try:  # Ctrl+C between builds ends the watch quietly
            try:
                files = inputs()
            except ReportGenError as exc:  # an option that can never work: nothing to wait for
                return _say_error(exc, args.command, stderr)
            # a file the build has just started to read (a new config in the folder, another
            # ledger named by an edited config) is compared with how it is now, not as new
            state = {**snapshot(files), **{p: v for p, v in state.items() if p in files}}
            print(
                f"正在监视{len(files)}个输入文件，保存修改后自动重新生成（按 Ctrl+C 结束）。",
                file=stdout,
                flush=True,
            )
            load_builders()  # a save meanwhile is seen afterwards: the wait compares with `state`
            changed, state = wait_for_change(files, since=state)
        except KeyboardInterrupt:
            print("已停止监视。", file=stdout)
            return code
        names = "、".join(readable(p.name) for p in changed)
        print(f"{time.strftime('%H:%M:%S')} {names} 有改动，重新生成：", file=stdout, flush=True)


def main() -> int:
    # Output redirected to a file on Chinese Windows is encoded in GBK (cp936): a character it
    # lacks must not turn a finished build into a crash.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    return run()
