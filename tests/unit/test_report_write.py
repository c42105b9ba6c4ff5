"""write_reports: any combination of files, parent directories created, one-line errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from summaries import judged

from loadscim.errors import UsageError
from loadscim.report import check_writable, write_reports
from loadscim.report.json import from_json


def test_writes_each_requested_file_creating_directories(tmp_path: Path) -> None:
    run, verdict = judged()
    out = tmp_path / "reports" / "deep"
    paths = {
        "json": out / "s.json",
        "junit": out / "j.xml",
        "html": out / "r.html",
        "hdr_log": out / "h.hlog",
    }
    written = write_reports(run, verdict, **paths)
    assert written == [str(p) for p in paths.values()]
    assert from_json(paths["json"].read_bytes())[1] == verdict
    assert ET.parse(paths["junit"]).getroot().tag == "testsuites"
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert paths["hdr_log"].read_text().startswith("#[Histogram log format version 1.3]")


def test_only_what_is_asked(tmp_path: Path) -> None:
    run, verdict = judged()
    assert write_reports(run, verdict) == []
    assert write_reports(run, verdict, junit=tmp_path / "j.xml") == [str(tmp_path / "j.xml")]
    assert [p.name for p in tmp_path.iterdir()] == ["j.xml"]


def test_an_unwritable_path_is_one_line_and_the_others_are_written(tmp_path: Path) -> None:
    run, verdict = judged()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError) as caught:
        write_reports(run, verdict, junit=blocker / "j.xml", html=tmp_path / "r.html")
    message = str(caught.value)
    assert message.startswith(f"--junit {blocker / 'j.xml'}: cannot write it (")
    assert message.endswith("give a path in a writable directory") and "\n" not in message
    assert (tmp_path / "r.html").is_file()


def test_a_directory_is_not_a_report_path(tmp_path: Path) -> None:
    run, verdict = judged()
    with pytest.raises(UsageError, match=r"^--hdr-log .*: cannot write it \(Is a directory\)"):
        write_reports(run, verdict, hdr_log=tmp_path)


def test_check_writable_before_a_run(tmp_path: Path) -> None:
    check_writable("--json", tmp_path / "new" / "dir" / "s.json")
    assert not (tmp_path / "new").exists()  # checked, not created
    with pytest.raises(UsageError, match=r"^--html .*: is a directory; give the path of a file"):
        check_writable("--html", tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="is not a directory; give a path in a directory"):
        check_writable("--junit", blocker / "j.xml")
