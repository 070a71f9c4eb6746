"""Generated cases exported in HTCDS and imported into another office come back field by field."""

import pytest

from pristan.cases.models import Case
from pristan.exports.services import export_cases
from pristan.interchange import htcds_export, mapping, readers, services
from pristan.interchange.models import ImportedRecord
from pristan.interchange.tests.conftest import PASSPHRASE, records_of, unzip

# Not carried over on purpose: the reference is the new office's own; the caseworker is one of its own staff.
NOT_COMPARED = {mapping.ID_FIELD, "cas_CaseOwner"}


@pytest.mark.parametrize(("file_format", "suffix"), [
    (htcds_export.HTCDS_JSON, ".json"), (htcds_export.HTCDS_CSV, ".csv"), (htcds_export.HTCDS_XLSX, ".xlsx"),
])  # fmt: skip
def test_an_export_imports_into_another_office_with_nothing_lost(generated, second_office, tmp_path, file_format, suffix):
    _office, caseworker, cases = generated(25)
    result = export_cases(
        actor=caseworker, cases=Case.objects.all(), purpose="transfer", passphrase=PASSPHRASE, ip=None, file_format=file_format
    )
    assert result.included == len(cases)
    path = tmp_path / f"export{suffix}"
    path.write_bytes(unzip(result.content))
    target, importer = second_office
    table = readers.open_table(path, path.name)
    assert table.layout == readers.Layout.PRISTAN
    preview = services.import_check(actor=importer, office=target, table=table, source=services.source_of(table, "x"))
    assert preview.problems == []
    assert (preview.to_create, preview.to_update, preview.invalid) == (len(cases), 0, 0)
    outcome = services.import_apply(actor=importer, office=target, table=table, source="pristan")
    assert outcome.created == len(cases)
    before = records_of(cases)
    imported = {record.external_id: record.case for record in ImportedRecord.objects.filter(office=target)}
    after = records_of(list(imported.values()))
    by_source = {reference: after[case.reference] for reference, case in imported.items()}
    assert set(by_source) == set(before)
    for reference, original in before.items():
        copy = by_source[reference]
        lost = {name: (value, copy[name]) for name, value in original.items() if name not in NOT_COMPARED and copy[name] != value}
        assert lost == {}, reference
    assert any(record["prs_Citizenship"] for record in before.values())
    assert any(record["vic_TypeOfExploitation"] for record in before.values())
