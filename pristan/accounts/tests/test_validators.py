"""Passwords that look as if they came from a breach are refused offline, with a reason."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from pristan.accounts.validators import BreachedLookingPasswordValidator

REFUSED = [
    ("Password2026!", "password_breached_looking"),
    ("P@ssw0rd2026", "password_breached_looking"),
    ("2026!!Sunshine", "password_breached_looking"),
    ("Summer-2026-!!", "password_breached_looking"),
    ("iloveyou1234", "password_breached_looking"),
    ("Lozinka2026!!", "password_breached_looking"),  # Bosnian, Croatian, Serbian for "password"
    ("парола2026!!!", "password_breached_looking"),  # Bulgarian, in Cyrillic
    ("qwerty123456", "password_keyboard_walk"),
    ("1qaz2wsx3edc", "password_keyboard_walk"),
    ("1q2w3e4r5t6y", "password_keyboard_walk"),
    ("asdfghjkl123", "password_keyboard_walk"),
    ("qwertzuiop12", "password_keyboard_walk"),  # the QWERTZ layout of the western Balkans
    ("йцукен123456", "password_keyboard_walk"),
    ("!@#$%^&*()_+", "password_keyboard_walk"),
    ("aaaaaaaaaaaa", "password_repeated"),
    ("abcabcabcabc", "password_repeated"),
    ("2026202620262026", "password_repeated"),
    ("passwordpassword", "password_repeated"),
    ("Aaaaaaaaaaaa1!", "password_repeated"),
    ("Pristan2026!!", "password_has_organisation_name"),
    ("pr1st4n-is-great", "password_has_organisation_name"),
    ("ПРИСТАН-2026-!!", "password_has_organisation_name"),
]

ACCEPTED = [
    "correct-horse-battery-staple",
    "Trg oslobođenja 7 plava vrata",
    "my cat sleeps on the red sofa",
    "x7#Kq9!mZp2@vR",
    "latest-news-for-everyone",
]


@pytest.mark.parametrize(("password", "code"), REFUSED)
def test_breached_looking_passwords_are_refused_with_their_reason(password, code):
    with pytest.raises(ValidationError) as refused:
        BreachedLookingPasswordValidator().validate(password)
    assert refused.value.error_list[0].code == code
    assert str(refused.value.messages[0]).startswith("This password")


@pytest.mark.parametrize("password", ACCEPTED)
def test_passphrases_and_random_passwords_pass(password):
    BreachedLookingPasswordValidator().validate(password)


def test_the_organisation_name_comes_from_the_settings(settings):
    settings.PRISTAN_ORGANISATION_NAME = "Animus Association"
    validator = BreachedLookingPasswordValidator()
    for password in ("Animus2026!!!!", "animusassociation!", "Association#2026"):
        with pytest.raises(ValidationError):
            validator.validate(password)
    validator.validate("association-of-tall-trees")  # a word of the name inside a passphrase is fine


def test_the_validator_is_part_of_the_settings_and_explains_itself():
    with pytest.raises(ValidationError) as refused:
        validate_password("Password2026!")
    assert "common password or word with digits" in " ".join(refused.value.messages)
    assert "pattern of neighbouring keys" in BreachedLookingPasswordValidator().get_help_text()


def test_passwords_are_hashed_with_argon2(ana):
    assert identify_hasher(ana.password).algorithm == "argon2"
