"""Every case referred to a partner before referrals were records of their own gets its referral."""

from django.db import migrations


def _sealed(case, text):
    """The details sealed for the referral's own column, under the person's key."""
    from pristan.core import crypto
    from pristan.core.sealed import Sealed
    from pristan.keystore.services import data_key

    if not text:
        return ""
    key_id = case.person.key_id
    return Sealed(crypto.seal(key_id, data_key(key_id), text.encode(), b"referrals.referral.details"))


def referrals_from_cases(apps, schema_editor):
    from pristan.keystore.services import key_scope

    with key_scope():
        _referrals_from_cases(apps, schema_editor.connection.alias)


def _referrals_from_cases(apps, alias):
    Case, Referral = apps.get_model("cases", "Case"), apps.get_model("referrals", "Referral")
    cases = Case.objects.using(alias).select_related("person").filter(referred_organisation__isnull=False)
    for case in cases.iterator(chunk_size=500):
        Referral.objects.using(alias).create(
            case_id=case.pk, direction="outgoing", organisation_id=case.referred_organisation_id,
            reason=case.outgoing_referral_reason or "Other", details=_sealed(case, case.outgoing_referral_details),
            referred_on=case.outgoing_referral_date or case.opened_on, status="accepted", created_by_id=case.owner_id,
        )
    cases = Case.objects.using(alias).select_related("person").filter(referring_organisation__isnull=False)
    for case in cases.iterator(chunk_size=500):
        Referral.objects.using(alias).create(
            case_id=case.pk, direction="incoming", organisation_id=case.referring_organisation_id,
            reason=case.incoming_referral_reason or "Other", details=_sealed(case, case.incoming_referral_details),
            referred_on=case.incoming_referral_date or case.opened_on, status="accepted", created_by_id=case.owner_id,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("cases", "0006_consent_to_transfer"),
    ]

    operations = [migrations.RunPython(referrals_from_cases, migrations.RunPython.noop)]
