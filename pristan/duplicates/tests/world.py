"""A small register with planted duplicates, seeded, for the engine's tests (the quality tests and
the bench use duplicates/synthetic.py)."""

import random
from datetime import date, timedelta

from pristan.core.names import to_latin
from pristan.duplicates.types import PersonData

GIVEN = {
    "Masculine": ["Ђорђе", "Марко", "Никола", "Стефан", "Петар", "Йордан", "Иван", "Милош", "Горан", "Драган", "Александар"],
    "Feminine": ["Јелена", "Марија", "Ана", "Милица", "Драгана", "Снежана", "Яна", "Юлия", "Десислава", "Ивана", "Тијана"],
}
FAMILY = [
    "Јовановић", "Петровић", "Николић", "Марковић", "Ђорђевић", "Стојановић", "Илић", "Станковић", "Павловић", "Милошевић",
    "Иванов", "Георгиев", "Димитров", "Петров", "Стоянов", "Христов", "Тодоров", "Николов", "Василев", "Атанасов",
    "Поповски", "Стојановски", "Трајковски", "Николовски", "Јованоски", "Ангеловски", "Ристовски", "Митревски",
]  # fmt: skip
KINDS = ("cyr_to_lat", "swapped", "typo", "dob_transposed", "dob_missing", "no_diacritics")


def _typo(rng: random.Random, text: str) -> str:
    at = rng.randrange(1, len(text) - 1)
    return text[:at] + text[at + 1 :]  # a letter left out


def planted(data: PersonData, kind: str, rng: random.Random) -> PersonData:
    latin = PersonData(
        given_name=to_latin(data.given_name), family_name=to_latin(data.family_name), date_of_birth=data.date_of_birth,
        gender=data.gender, citizenships=data.citizenships,
    )  # fmt: skip
    born = data.date_of_birth
    if kind == "cyr_to_lat":
        return latin
    if kind == "no_diacritics":
        return PersonData(
            given_name=latin.given_name.replace("Đ", "Dj").replace("đ", "dj"),
            family_name=latin.family_name.replace("ć", "c").replace("č", "c").replace("š", "s").replace("ž", "z"),
            date_of_birth=born, gender=data.gender,
        )  # fmt: skip
    if kind == "swapped":
        return PersonData(given_name=data.family_name, family_name=data.given_name, date_of_birth=born, gender=data.gender)
    if kind == "typo":
        return PersonData(
            given_name=latin.given_name, family_name=_typo(rng, latin.family_name), date_of_birth=born, gender=data.gender
        )
    if kind == "dob_transposed" and born is not None and born.day <= 12 and born.day != born.month:
        return PersonData(given_name=latin.given_name, family_name=latin.family_name, date_of_birth=born.replace(month=born.day, day=born.month))
    return PersonData(given_name=data.given_name, family_name=data.family_name, gender=data.gender)  # the date missing


def register(persons: int, *, seed: int = 14, duplicates: float = 0.2) -> tuple[list[tuple[int, PersonData]], set[tuple[int, int]]]:
    """``persons`` records, a share of them duplicates of another one (one per kind in turn), and
    the true pairs."""
    rng = random.Random(seed)
    records: list[tuple[int, PersonData]] = []
    truth: set[tuple[int, int]] = set()
    originals = int(persons * (1 - duplicates))
    for uid in range(1, originals + 1):
        gender = rng.choice(list(GIVEN))
        born = date(1970, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        records.append(
            (uid, PersonData(given_name=rng.choice(GIVEN[gender]), family_name=rng.choice(FAMILY), date_of_birth=born,
                             gender=gender, citizenships=(rng.choice(["RS", "BG", "MK"]),)))
        )  # fmt: skip
    for index, uid in enumerate(range(originals + 1, persons + 1)):
        original_uid, original = records[rng.randrange(originals)]
        records.append((uid, planted(original, KINDS[index % len(KINDS)], rng)))
        truth.add((original_uid, uid))
    return records, truth
