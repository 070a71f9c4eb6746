"""`pristan research-export` and `pristan export --format ctdc`: the CSV, and the report in counts."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pristan.research import ctdc
from pristan.research.models import ResearchExport

pytestmark = pytest.mark.django_db


def test_it_writes_the_csv_and_prints_the_report(victim, analyst, tmp_path):
    for _ in range(6):
        victim()  # gender not recorded: -99
    victim(gender="Masculine")
    output, out = tmp_path / "ctdc.csv", StringIO()
    call_command("research-export", "--output", str(output), "--k", "5", "--as", analyst.username, stdout=out)
    with output.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == list(ctdc.COLUMNS)
    assert len(rows) == 7  # the man joins the others once his gender is given up
    printed = out.getvalue()
    assert "7 cases with consent to research use were considered." in printed
    assert "7 records published" in printed
    assert "0 records suppressed" in printed
    assert "gender → -99: 1" in printed
    assert ResearchExport.objects.get().k == 5


def test_k_defaults_to_11(victim, analyst, tmp_path):
    victim()
    out = StringIO()
    call_command("research-export", "--output", str(tmp_path / "ctdc.csv"), "--as", analyst.username, stdout=out)
    assert "1 record suppressed" in out.getvalue()
    assert ResearchExport.objects.get().k == 11


@pytest.mark.parametrize("who", ["ana", "nobody"])
def test_it_refuses_who_may_not(who, request, tmp_path):
    username = request.getfixturevalue(who).username if who != "nobody" else "nobody"
    output = tmp_path / "ctdc.csv"
    with pytest.raises(CommandError):
        call_command("research-export", "--output", str(output), "--as", username, stdout=StringIO())
    assert not output.exists()


def test_it_refuses_a_small_k(analyst, tmp_path):
    with pytest.raises(CommandError, match="between 5 and 1000"):
        call_command("research-export", "--output", str(tmp_path / "x.csv"), "--k", "2", "--as", analyst.username)


def test_pristan_export_format_ctdc(victim, analyst, tmp_path):
    registry = pytest.importorskip("pristan.interchange.registry")
    assert "ctdc" in registry.FORMATS
    for _ in range(5):
        victim()
    output, out = tmp_path / "ctdc.csv", StringIO()
    call_command("export", "--format", "ctdc", "--output", str(output), "--k", "5", "--as", analyst.username, stdout=out)
    assert output.read_text(encoding="utf-8").splitlines()[0] == ",".join(ctdc.COLUMNS)
    assert "5 records published" in out.getvalue()
