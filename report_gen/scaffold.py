"""``report-gen init``: a new district's config, from its ledger, without copying another district's.

The config extends the built-in base; its report block is filled from what can
be known (district and year from the ledger's title row, or given), its data
paths point at the ledger with ``{year}`` where the file name carries the year,
and every narrative item the built-in templates need is a 【待填写：…】
placeholder, so a build names what is left to write.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import jinja2

from . import resources
from .config import DataSource
from .contract import builtin_ledgers
from .errors import ConfigError, OptionError, Problem
from .identity import ledger_district, ledger_identity
from .ingest import read_table

_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20|21)\d\d)(?!\d)")
# A district name that can name a file and stand unquoted in YAML.
DISTRICT_NAME = re.compile(r"[^/\\:*?\"<>|\x00-\x1f.#'{}\[\],&!%@`]+")


def _relative(path: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _yaml_text(text: str) -> str:
    """A value safe to write unquoted in the template's YAML, or quoted when it is not."""
    if re.fullmatch(r"[\w\u4e00-\u9fff（）()\-./{}]+", text) and text[0] not in "-{":
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def init_district(
    folder: str | Path,
    ledger: str | Path,
    *,
    district: str | None = None,
    year: int | None = None,
    force: bool = False,
) -> Path:
    """Write ``folder/<district>.yaml`` for ``ledger`` and return its path.

    Raises :class:`OptionError` when the district or year can be neither read nor was given,
    or the config exists (without ``force``); :class:`DataError` for a ledger that cannot be read.
    """
    ledger_path = Path(ledger).expanduser().resolve()
    contract = builtin_ledgers()["organizations"]
    table = read_table(DataSource(contract.name, ledger_path), contract)
    title_district, title_year = ledger_identity(table.title)
    name_year = _YEAR_IN_NAME.search(ledger_path.stem)
    district = district or title_district
    year = year or title_year or (int(name_year.group(1)) if name_year else None)
    missing = []
    if not district:
        missing.append("区县名称（台账标题行中没有，请用 --district 指明）")
    if not year:
        missing.append("报告年度（台账标题行和文件名中都没有，请用 --year 指明）")
    if missing or district is None or year is None:
        raise OptionError([Problem(m, file=ledger_path.name) for m in missing])
    if not DISTRICT_NAME.fullmatch(district):
        raise OptionError(Problem(f"区县名称“{district}”含有不能用于文件名或配置的字符"))
    named, count = ledger_district(table.frame)
    if (
        named
        and named != district
        and not district.endswith(named)
        and count >= max(3, len(table.frame) // 10)
    ):
        raise ConfigError(
            Problem(
                f"台账中有{count}个组织或党组织的名称以“{named}”开头，像是{named}的台账，与{district}不符"
                "（请核对台账，或 --district）",
                file=ledger_path.name,
            )
        )
    if title_district and district != title_district:
        raise ConfigError(
            Problem(f"台账标题写的是{title_district}，与 --district {district} 不符", file=ledger_path.name)
        )

    out_dir = Path(folder).expanduser().resolve()
    target = out_dir / f"{district}.yaml"
    if target.exists() and not force:
        raise OptionError(Problem(f"{target} 已存在（加 --force 覆盖）"))

    relative = _relative(ledger_path, out_dir)
    previous = None
    if name_year and int(name_year.group(1)) == year:
        start, end = name_year.span(1)
        stem = ledger_path.stem
        relative = _relative(
            ledger_path.with_name(f"{stem[:start]}{{year}}{stem[end:]}{ledger_path.suffix}"), out_dir
        )
        before = ledger_path.with_name(f"{stem[:start]}{year - 1}{stem[end:]}{ledger_path.suffix}")
        if before.is_file():
            previous = _relative(
                ledger_path.with_name(f"{stem[:start]}{{year-1}}{stem[end:]}{ledger_path.suffix}"), out_dir
            )

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.builtin_config_folder())),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    text = environment.get_template("district.yaml.j2").render(
        district=_yaml_text(district),
        year=year,
        config_name=target.name,
        output_name=_yaml_text(f"{district}-{{year}}"),
        ledger_path=_yaml_text(relative),
        previous_path=_yaml_text(previous) if previous else None,
    )
    from .output import write_atomically

    write_atomically(out_dir, {target.name: text.encode("utf-8")})
    return target
