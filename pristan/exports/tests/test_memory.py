"""An export's memory does not grow with the number of cases: the peak (tracemalloc) of exporting
4 times the cases is about that of exporting the cases, every layout, while the file holds them all."""

from collections.abc import Callable
from pathlib import Path

import pytest
import pyzipper

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.tests.memory import traced_peak
from pristan.demo.generate import generate
from pristan.demo.world import ensure_world
from pristan.exports import services
from pristan.exports.tests.conftest import PASSPHRASE
from pristan.interchange import htcds_export

pytestmark = pytest.mark.django_db


def _generated(count: int, seed: int) -> None:
    generate(cases=count, offices=1, seed=seed, progress=False)
    caseworker = ensure_world(1).offices[0].caseworker
    for case in Case.objects.exclude(consent_events__purpose=ConsentPurpose.EXPORT):
        consent_record(actor=caseworker, case=case, purpose=ConsentPurpose.EXPORT, given=True)


def _peak(work: Callable[[], object]) -> int:
    return traced_peak(work)[1]


def _rows(path: Path) -> int:
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(PASSPHRASE.encode())
        content = archive.read(archive.namelist()[0])
    return content.count(b"\n")


@pytest.mark.parametrize("file_format", ["csv-aes-zip", htcds_export.HTCDS_CSV, htcds_export.HTCDS_JSON, htcds_export.HTCDS_XLSX])
def test_the_peak_does_not_grow_with_the_cases(tmp_path, monkeypatch, file_format):
    monkeypatch.setattr(services, "CHUNK", 20)
    caseworker = ensure_world(1).offices[0].caseworker
    path = tmp_path / "export.zip"

    def export() -> None:
        with path.open("wb") as target:
            services.export_cases(
                actor=caseworker, cases=Case.objects.all(), purpose="transfer", passphrase=PASSPHRASE, ip=None,
                file_format=file_format, target=target,
            )  # fmt: skip

    _generated(60, seed=3)
    export()  # warms: what the first export imports and caches is not the export's
    small = _peak(export)
    _generated(180, seed=4)
    large = _peak(export)
    assert Case.objects.count() == 240
    if file_format != htcds_export.HTCDS_XLSX:  # every case is in the file (a spreadsheet is compressed XML)
        assert _rows(path) >= 240
    # Everything at once took about 4 times as much for 4 times the cases; a chunk at a time, about the same.
    assert large < small * 1.3, (small, large)
