"""Several reports from one run: `-o [FORMAT:]FILE` is repeatable, each file's format from its prefix or
its extension, every one written from the same result (no second Hub run)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from hubgate.testhub import HubSim
from tests.conftest import GEMMA, GPT2


def test_two_outputs_cost_the_requests_of_none(run_cli: Any, hub: HubSim, tmp_path: Path) -> None:
    plain = run_cli("check", GPT2, GEMMA, "--no-cache", "--format", "markdown")
    alone = len(hub.log)
    hub.reset_log()
    result = run_cli("check", GPT2, GEMMA, "--no-cache", "-o", "report.sarif", "-o", "summary.md")
    assert len(hub.log) == alone
    assert result.code == plain.code == 1, result.stderr
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert {r["properties"]["repo_id"] for r in sarif["runs"][0]["results"]} == {GEMMA}
    assert (tmp_path / "summary.md").read_text() == plain.stdout
    assert "2 checked · 1 usable" in result.stdout  # the terminal still gets the table


def test_a_prefix_names_the_format_of_a_file_without_an_extension(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("check", GPT2, "-o", "markdown:summary", "-o", "JSON:out.txt", "--format", "quiet")
    assert result.code == 0, result.stderr
    assert (tmp_path / "summary").read_text().startswith("## hubgate: model access")
    assert json.loads((tmp_path / "out.txt").read_text())["models"][0]["id"] == GPT2
    assert result.stdout == ""  # stdout keeps --format: quiet, nothing when all are usable


def test_stdout_keeps_format_unless_that_format_went_to_a_file(run_cli: Any, tmp_path: Path) -> None:
    both = run_cli("check", GPT2, "--json", "-o", "r.sarif", "-o", "s.md")
    assert json.loads(both.stdout)["models"][0]["id"] == GPT2
    # the form of earlier versions: --format names the one file's format, the terminal gets the table
    legacy = run_cli("check", GPT2, "--format", "sarif", "-o", "report.out")
    assert json.loads((tmp_path / "report.out").read_text())["version"] == "2.1.0"
    assert "1 checked · 1 usable" in legacy.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [("sarf:x.sarif", "'sarf' is not a format"), ("sarif:", "no file after sarif:")],
)
def test_unclear_outputs_are_refused_before_any_request(
    run_cli: Any, hub: HubSim, spec: str, message: str
) -> None:
    hub.reset_log()
    result = run_cli("check", GPT2, "-o", spec)
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("hubgate: error: --output") and message in lines[0]
    assert lines[1].startswith("  hint: ") and len(lines) == 2
    assert hub.log == []


def test_the_same_file_twice_is_refused(run_cli: Any, hub: HubSim) -> None:
    result = run_cli("check", GPT2, "-o", "a.md", "-o", "markdown:a.md")
    assert result.code == 2 and "given twice" in result.stderr
    assert hub.log == []


def test_report_files_get_the_users_umask(run_cli: Any, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        result = run_cli("check", GPT2, "-o", "a.sarif", "-o", "b.md")
    finally:
        os.umask(old)
    assert result.code == 0, result.stderr
    for name in ("a.sarif", "b.md"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640


def test_scan_writes_several_reports_and_keeps_stdout(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(f'from_pretrained("{GPT2}")\n', encoding="utf-8")
    result = run_cli("scan", "train.py", "-o", "refs.json", "-o", "bom.cdx.json")
    assert result.code == 0, result.stderr
    assert json.loads((tmp_path / "refs.json").read_text())["repos"][0]["id"] == GPT2
    assert json.loads((tmp_path / "bom.cdx.json").read_text())["bomFormat"] == "CycloneDX"
    assert result.stdout.startswith(GPT2)  # the table, as without -o
    refused = run_cli("scan", "train.py", "-o", "x.sarif")
    assert refused.code == 2 and "does not write sarif" in refused.stderr


def test_a_token_matrix_refuses_report_files_rather_than_dropping_them(
    run_cli: Any, hub: HubSim, tmp_path: Path
) -> None:
    (tmp_path / "tokens.txt").write_text("anonymous=\n", encoding="utf-8")
    hub.reset_log()
    result = run_cli("check", GPT2, "--token-file", "tokens.txt", "-o", "report.sarif")
    assert result.code == 2
    assert "go without --token, --anonymous, --author and -o" in result.stderr
    assert not (tmp_path / "report.sarif").exists()
    assert hub.log == []


def test_renderers_are_loaded_ahead_and_a_failure_there_is_left_to_printing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`check` imports the renderers of its outputs while the Hub answers; a module that will not import
    is no error there (printing imports it again and reports what went wrong)."""
    import sys

    from hubgate import render
    from hubgate.cli.report_out import load_renderers

    for module in ("hubgate.render.junit", "hubgate.render.sarif", "hubgate.render.markdown"):
        # both the module and the package's attribute come back as they were after the test
        monkeypatch.delitem(sys.modules, module, raising=False)
        monkeypatch.delattr(render, module.rpartition(".")[2], raising=False)
    monkeypatch.setitem(render.RENDERERS, "quiet", ("hubgate.render.no_such_renderer",))
    load_renderers("quiet", [("junit", tmp_path / "a.xml"), ("sarif", tmp_path / "b.sarif")])
    assert "hubgate.render.junit" in sys.modules and "hubgate.render.sarif" in sys.modules
    assert "hubgate.render.markdown" not in sys.modules  # not asked for


def test_every_format_names_the_modules_that_render_it() -> None:
    import importlib

    from hubgate import render
    from hubgate.cli.check_options import OutputFormat

    assert set(render.FORMATS) == {choice.value for choice in OutputFormat}  # every --format has its renderer
    for modules in render.RENDERERS.values():
        for module in modules:
            assert importlib.import_module(module).__name__ == module
