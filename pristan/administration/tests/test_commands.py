"""`pristan users`, `pristan offices` and `pristan partners`: what they print, and bad input
refused with exit status 1 and nothing written."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from conftest import authenticator_of
from pristan.accounts.models import Authenticator, PasswordChangeRequired
from pristan.core.models import AuditEntry, Membership, Office, Organisation, PartnerMembership


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, "--lang", "en", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> str:
    """The command's error; it must exit with status 1 and write nothing."""
    before = (User.objects.count(), Membership.objects.count(), Office.objects.count(), Organisation.objects.count(),
              AuditEntry.objects.count())  # fmt: skip
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 1
    after = (User.objects.count(), Membership.objects.count(), Office.objects.count(), Organisation.objects.count(),
             AuditEntry.objects.count())  # fmt: skip
    assert after == before, "nothing may be written"
    return str(error.value)


ADD = ["users", "add", "dana", "--name", "Dana Koleva", "--email", "dana@example.org", "--office", "SOF", "--role", "caseworker"]


def test_users_add_as_the_operator_prints_a_one_time_link(sofia):
    out = run(*ADD, "--child-clearance")
    assert "Added dana: SOF · Caseworker · Own and assigned cases · child-protection clearance." in out
    assert "http://127.0.0.1:8000/welcome/" in out
    entry = AuditEntry.objects.get(object_type="auth.user", action="create")
    assert entry.actor is None  # the installation's operator


def test_users_add_with_a_temporary_password(sofia):
    out = run(*ADD, "--temporary-password")
    password = out.split("at first sign-in): ")[1].strip()
    user = User.objects.get(username="dana")
    assert user.check_password(password)
    assert PasswordChangeRequired.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--office": "XYZ"}, "--office: there is no office with the code XYZ."),
        ({"--role": "janitor"}, "--role: Choose a role from the list."),
        ({"--scope": "planet"}, "--scope: Choose a scope from the list."),
        ({"--email": "dana-at-example"}, "--email: Give a valid e-mail address"),
        ({"dana": "ana"}, "USERNAME: The username ana is taken"),
        ({"--region-offices": "SOF,NOPE"}, "--region-offices: there is no office with the code NOPE."),
    ],
)
def test_users_add_refuses_bad_input(sofia, ana, change, message):
    args = list(ADD)
    if "--scope" in change:
        args += ["--scope", change["--scope"]]
    elif "--region-offices" in change:
        args += ["--scope", "region", "--region-offices", change["--region-offices"]]
    else:
        for key, value in change.items():
            index = args.index(key)
            args[index + (0 if key == "dana" else 1)] = value
    assert message in refused(*args)


def test_users_add_as_an_administrator_applies_their_rights(vera, skopje, sofia):
    assert "You do not administer the office SKP." in refused(*[arg if arg != "SOF" else "SKP" for arg in ADD], "--as", "vera")
    assert "Only a system administrator grants" in refused(*ADD[:-1], "system_admin", "--as", "vera")
    assert "--as: there is no active user nobody." in refused(*ADD, "--as", "nobody")
    run(*ADD, "--as", "vera")
    assert AuditEntry.objects.get(object_type="auth.user", action="create").actor == vera


def test_grant_revoke_deactivate_reactivate_reset_and_list(ana, skopje, sofia):
    assert "ana: SKP · Supervisor · The whole office." in run("users", "grant", "ana", "--office", "SKP", "--role", "supervisor")
    assert "ana no longer works in SKP." in run("users", "revoke", "ana", "--office", "SKP")
    assert "--office: This person has no role in this office." in refused("users", "revoke", "ana", "--office", "SKP")
    assert "deactivated" in run("users", "deactivate", "ana")
    assert "Nothing to change" in refused("users", "deactivate", "ana")
    assert "(deactivated)" in run("users", "list", "--office", "SOF")
    assert "active again" in run("users", "reactivate", "ana")
    authenticator_of(ana)
    assert "set up the second step" in run("users", "reset-second-step", "ana")
    assert not Authenticator.objects.filter(user=ana).exists()
    assert "USERNAME: there is no user nobody." in refused("users", "deactivate", "nobody")
    listing = run("users", "list")
    assert "ana\tAna\t\n\tSOF · Caseworker" in listing


def test_an_office_administrator_lists_only_their_offices(vera, ana, marko, skopje):
    listing = run("users", "list", "--as", "vera")
    assert "ana" in listing
    assert "marko" not in listing
    assert "You do not administer the office SKP." in refused("users", "list", "--office", "SKP", "--as", "vera")
    assert "Only an office or system administrator" in refused("users", "list", "--as", "ana")


def test_offices_add_and_list(sofia):
    assert "Added the office VAR · Varna Field Office." in run(
        "offices", "add", "VAR", "--name", "Varna Field Office", "--country", "BG", "--time-zone", "Europe/Sofia", "--field"
    )
    assert "VAR\tVarna Field Office\tBG\tEurope/Sofia\tField office" in run("offices", "list")
    error = refused("offices", "add", "SOF", "--name", "Again", "--country", "ZZ", "--time-zone", "Mars/Olympus")
    assert "CODE: There is already an office with the code SOF." in error
    assert "--country: ZZ is not an ISO 3166-1 country code" in error
    assert "--time-zone: Mars/Olympus is not a time zone Pristan knows" in error


def test_partners_add_list_and_their_users(sofia, vera):
    assert "Added the partner organisation La Strada." in run(
        "partners", "add", "La Strada", "--country", "BG", "--services", "legal,psychosocial"
    )
    assert "La Strada\tBG\t—\tlegal,psychosocial" in run("partners", "list")
    assert "--services: massage is not a kind of service" in refused(
        "partners", "add", "Spa", "--country", "BG", "--services", "massage"
    )
    out = run(
        "partners", "users", "add", "petra", "--partner", "la strada", "--name", "Petra Ivanova", "--email", "petra@example.org"
    )
    assert "Added petra, a user of La Strada." in out
    assert "/welcome/" in out
    assert PartnerMembership.objects.filter(user__username="petra", organisation__name="La Strada").exists()
    assert "La Strada\tpetra\tPetra Ivanova" in run("partners", "users", "list", "--partner", "La Strada")
    assert "--partner: there is no partner organisation named Nowhere." in refused(
        "partners", "users", "add", "zoe", "--partner", "Nowhere", "--name", "Zoe", "--email", "zoe@example.org"
    )
    assert "Only a system administrator" in refused("partners", "list", "--as", "vera")
