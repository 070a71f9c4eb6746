"""`pristan namecheck` finds names stored before the rule, says where, never what, and changes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pristan.core.models import Organisation
from pristan.people.models import Person


def test_it_lists_where_and_changes_nothing(case, sofia):
    out = StringIO()
    call_command("namecheck", "--lang", "en", stdout=out)
    assert "Every stored name and reference is clean." in out.getvalue()

    person = Person.objects.get(pk=case.person_id)
    person.family_name = "Пет\u202eров"  # as stored before the rule: the model itself does not check
    person.save(update_fields=["family_name"])
    partner = Organisation.objects.create(name="Cafe\u0301")  # decomposed
    out = StringIO()
    with pytest.raises(CommandError, match="2 stored names or references to correct"):
        call_command("namecheck", "--lang", "en", stdout=out)
    assert out.getvalue().splitlines() == [
        f"people.Person {person.pk} family_name: U+202E RIGHT-TO-LEFT OVERRIDE",
        f"core.Organisation {partner.pk} name: not NFC",
    ]
    assert "Пет" not in out.getvalue()
    person.refresh_from_db()
    assert person.family_name == "Пет\u202eров"
