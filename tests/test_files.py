"""Files the command line writes: readable by their owner only, never half-written."""

import hashlib
import os
import stat

import pytest

from knowtrans.core import files
from knowtrans.core.files import write_private
from knowtrans.engagements.models import EngagementStatus
from knowtrans.extensions import db as _db
from knowtrans.reports.models import HandoverReport


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_file_and_an_existing_one_end_up_0600(tmp_path, usual_umask):
    new = tmp_path / "new.bin"
    write_private(new, b"new")
    assert (new.read_bytes(), mode(new)) == (b"new", 0o600)
    existing = tmp_path / "existing.bin"
    existing.write_bytes(b"old")
    existing.chmod(0o644)
    write_private(existing, b"replaced")
    assert (existing.read_bytes(), mode(existing)) == (b"replaced", 0o600)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["existing.bin", "new.bin"]


def test_a_failed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    backup = tmp_path / "backup.json"
    backup.write_bytes(b"last night's backup")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_private(backup, b"tonight's")
    assert backup.read_bytes() == b"last night's backup"
    assert [path.name for path in tmp_path.iterdir()] == ["backup.json"]


def test_the_report_command_writes_the_pdf_0600(app, db, tmp_path, make_engagement, usual_umask):
    engagement = make_engagement(status=EngagementStatus.CLOSED)
    pdf = b"%PDF-1.7 the archived original"
    _db.session.add(
        HandoverReport(
            engagement_id=engagement.id,
            identifier="KT-00001-F-20260131T093000Z",
            generated_by_id=engagement.expert_id,
            page_count=1,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            pdf=pdf,
        )
    )
    _db.session.commit()
    out = tmp_path / "final.pdf"
    result = app.test_cli_runner().invoke(args=["report", str(engagement.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out.read_bytes(), mode(out)) == (pdf, 0o600)
    nowhere = tmp_path / "missing" / "final.pdf"
    result = app.test_cli_runner().invoke(
        args=["report", str(engagement.id), "--out", str(nowhere)]
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: {nowhere}: cannot write it: No such file or directory\n"
