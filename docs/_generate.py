"""Pages that the documentation generates at build time, from the code.

- ``gen_modules/benchmark_tables.rst``: the Markdown reports that the scripts
  of benchmarks/ write (``benchmarks/results/<name>.md``: a ``#`` title,
  paragraphs, a pipe table, PASS/FAIL lines), converted to reStructuredText
  (tables as ``list-table``); without reports, a sentence saying so.
- ``gen_modules/schedule_*.rst``: the plans of ``skauto._schedule`` as tables,
  so that the user guide shows what the code does.
"""

import re
from pathlib import Path

from skauto._schedule import Hyperband, SuccessiveHalving

_SPECIAL = re.compile(r"([\\*_|<>\[\]`])")
_CODE = re.compile(r"`+([^`]+?)`+")
_BULLET = re.compile(r"([-*+]|\d+\.)\s+(.*)")
_STATUS = re.compile(r"(PASS|FAIL|INFO|WARN|NOTE)\b")
_ENUM = re.compile(r"^(\d+)\.(?=\s)")  # "1. model" must not become a list


def write_benchmark_page(results_dir, out_dir):
    """Write ``out_dir/benchmark_tables.rst`` from ``results_dir/*.md``."""
    reports = sorted(Path(results_dir).glob("*.md"))
    parts = [_report(p.read_text(encoding="utf-8")) for p in reports]
    if not parts:
        parts = [
            "No benchmark report has been generated in this checkout yet: run "
            "the commands above, which write ``benchmarks/results/*.md``, and "
            "rebuild the documentation.\n"
        ]
    _write(Path(out_dir) / "benchmark_tables.rst", "\n".join(parts))


def write_schedule_tables(out_dir):
    """The plans of the user guide: one halving bracket, and Hyperband."""
    out_dir = Path(out_dir)
    halving = SuccessiveHalving(27, 2, 54, 3).plan()
    _write(out_dir / "schedule_halving.rst", _plan_table(halving, "epochs"))
    _write(out_dir / "schedule_numbers.rst", _plan_numbers(halving))
    hyperband = Hyperband(1, 27, 3).plan()
    _write(out_dir / "schedule_hyperband.rst", _plan_table(hyperband, "units"))


def _plan_table(rungs, unit):
    """A rung per row, with the work done with and without continuation."""
    rows = [["bracket", "rung", "candidates", f"budget each ({unit})"]]
    rows[0] += ["work, continued", "work, refitted"]
    previous = {}
    totals = [0, 0]
    for r in rungs:
        continued = r.n_candidates * (r.n_resources - previous.get(r.bracket, 0))
        refitted = r.n_candidates * r.n_resources
        previous[r.bracket] = r.n_resources
        totals = [totals[0] + continued, totals[1] + refitted]
        rows.append([r.bracket, r.iter, r.n_candidates, r.n_resources, continued])
        rows[-1].append(refitted)
    rows.append(["total", "", "", "", totals[0], totals[1]])
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        for j, cell in enumerate(row):
            out.append(f"   {'* -' if j == 0 else '  -'} {cell}".rstrip())
    return "\n".join(out) + "\n"


def _plan_numbers(rungs):
    """Substitutions for the prose around the halving table."""
    continued, refitted = _work(rungs)
    grid = rungs[0].n_candidates * rungs[-1].n_resources
    values = {
        "halving_continued": continued,
        "halving_refitted": refitted,
        "halving_grid": f"{grid:,}",
        "halving_ratio": f"{grid / continued:.0f}",
    }
    return "".join(f".. |{k}| replace:: {v}\n" for k, v in values.items())


def _work(rungs):
    """Total work with continuation and with refitting from scratch."""
    previous, continued, refitted = {}, 0, 0
    for r in rungs:
        continued += r.n_candidates * (r.n_resources - previous.get(r.bracket, 0))
        refitted += r.n_candidates * r.n_resources
        previous[r.bracket] = r.n_resources
    return continued, refitted


def _write(path, text):
    """Write only when the text changed, so that Sphinx rebuilds only then."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _report(markdown):
    """The report in reST; as literal Markdown if the conversion is not clean.

    A report is written by another script and may use Markdown this converter
    does not know: rather than fail the -W build, show it verbatim.
    """
    import io

    import docutils.core

    rst = markdown_to_rst(markdown)
    warnings = io.StringIO()
    docutils.core.publish_doctree(
        rst, settings_overrides={"warning_stream": warnings, "report_level": 2}
    )
    if not warnings.getvalue():
        return rst
    lines = markdown.splitlines()
    title = lines[0].lstrip("#").strip() if lines else "report"
    body = "\n".join(f"   {line}".rstrip() for line in lines)
    return f"{_inline(title)}\n{'~' * len(_inline(title))}\n\n::\n\n{body}\n"


def markdown_to_rst(markdown):
    """Headings, paragraphs, bullet lists and pipe tables of a Markdown report."""
    out, table, paragraph = [], [], []

    def flush():
        if table:
            out.extend(_table(table) + [""])
            table.clear()
        if paragraph:
            out.extend(_paragraph(paragraph) + [""])
            paragraph.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            if paragraph:
                flush()
            table.append(stripped)
        elif stripped.startswith("#"):
            flush()
            level = len(stripped) - len(stripped.lstrip("#"))
            title = _inline(stripped.lstrip("#").strip())
            underline = "~^'"[min(level, 3) - 1]
            out.extend([title, underline * max(len(title), 1), ""])
        elif not stripped:
            flush()
        else:
            if table:
                flush()
            paragraph.append(stripped)
    flush()
    return "\n".join(out)


def _paragraph(lines):
    """Prose, PASS/FAIL lines kept one per line, and bullet lists."""
    if all(_STATUS.match(line) for line in lines):
        return [f"| {_inline(line)}" for line in lines]  # a line block
    out, indent = [], None  # indent: of the current list item's text
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            if out and indent is None:
                out.append("")  # a list needs a blank line before it
            marker = "#." if bullet.group(1)[0].isdigit() else "-"
            out.append(f"{marker} {_inline(bullet.group(2))}")
            indent = " " * (len(marker) + 1)
        else:
            out.append(f"{indent or ''}{_inline(line)}")
    return out


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(lines):
    rows = [_cells(line) for line in lines if not re.fullmatch(r"[|\s:-]+", line)]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        for j, cell in enumerate(row):
            cell = _ENUM.sub(r"\1\\.", _inline(cell))
            out.append(f"   {'* -' if j == 0 else '  -'} {cell}".rstrip())
    return out


def _inline(text):
    """Escape reST markup; Markdown code spans become literals."""
    pieces = _CODE.split(text)
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            pieces[i] = _SPECIAL.sub(r"\\\1", piece)
        elif piece.strip():
            # reST literals end before a space or punctuation: "\ " glues them.
            before = "\\ " if pieces[i - 1][-1:].isalnum() else ""
            after = "\\ " if pieces[i + 1][:1].isalnum() else ""
            pieces[i] = f"{before}``{piece.strip()}``{after}"
    return "".join(pieces)
