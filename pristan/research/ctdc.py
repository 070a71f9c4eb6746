"""The CTDC global-dataset layout (a copy of its column list is in tests/ctdc/), and where each of its 63 columns
comes from in Pristan's HTCDS records. One row per case, before k-anonymisation (anonymity.py).

Conventions, as in CTDC's published file: `-99` is missing or not recorded, flags are `1` or `0`,
`*Concatenated` columns join the names of the set flags with `;` (`-99` when none is set), countries
are ISO 3166-1 alpha-2 codes, ages are CTDC's bands. A row holds no name, date, reference or id:
only the values below, each from a fixed list (or a year, or a country code).

Where each column comes from (HTCDS names in brackets):

- yearOfRegistration: the year the case was opened (`Case.opened_on`).
- Datasource: always `Case Management`.
- gender: `Person.gender` (prs_Gender): Feminine → Female, Masculine → Male; TransgenderFeminine,
  TransgenderMasculine and NonConforming → `Trans/Transgender/NonConforming` (CTDC's later label);
  NonSpecifiedUnknown or blank → -99.
- ageBroad: the age on the day the case was opened, from `Person.date_of_birth` (prs_Birthdate,
  estimated or not), in CTDC's bands. majorityStatus: `Minor` under 18 on that day, else `Adult`.
- majorityStatusAtExploit: `TraffickingExperience.age_when_trafficked`, else
  `Case.minor_at_exploitation` (set from when the exploitation began).
- citizenship: the first of `Person.citizenships` (prs_Citizenship).
- meansOfControl*: `methods_of_control` (vic_MethodsOfControl), `MEANS_OF_CONTROL`; PhysicalThreats
  and ThreatensChildrenFamily → Threats; none recorded → NotSpecified 1.
- is* and typeOfExploitConcatenated: `types_of_exploitation` (vic_TypeOfExploitation),
  `EXPLOITATION`: ForcedLabour, ChildLabour, ForcedBegging → ForcedLabour; Servitude →
  SlaveryAndPractices; ForcedAdoption, Surrogacy, Other → OtherExploit; the rest by name.
- typeOfLabour*: `forced_labour_industry` (vic_ForcedLabourIndustry, ISIC sections), `LABOUR`: A →
  Agriculture, B → MiningOrDrilling, C → Manufacturing, F → Construction, H → Transportation, I →
  Hospitality, T → DomesticWork, any other section → Other; ForcedBegging → Begging; a forced-labour
  case with neither → NotSpecified.
- typeOfSex*: `types_of_sex_exploitation` (vic_TypeOfSexExploitation), `SEX`.
- isAbduction: a perpetrator in the role Kidnapper (per_RoleInProcess) → 1; perpetrators recorded,
  none a kidnapper → 0.
- RecruiterRelationship, recruiterRelation*: `relationship_to_trafficker`
  (vic_RelationshipToTrafficker): Familial → Family/Relative, Acquainted → Friend/Acquaintance,
  Unaquainted → Other; blank → Not Specified (recruiterRelationUnknown 1).
- CountryOfExploitation: the country of the first exploitation event of the route (hte_Country
  where hte_Type is Exploitation).

Columns Pristan has no source for, always -99 (`NO_SOURCE`): majorityEntry (age when recruited is
not recorded apart from age when exploited), meansOfControlRestrictsMovement,
meansOfControlUsesChildren (HTCDS has no such method of control), typeOfLabourAquafarming,
typeOfLabourIllicitActivities and typeOfLabourPeddling (ISIC sections do not single them out: fishing
is in agriculture, street vending in trade), recruiterRelationIntimatePartner
(HTCDS "Acquainted" does not tell an intimate partner from a friend).
Within a group whose source was recorded, a flag Pristan cannot set is still -99, never 0: Pristan
does not know that it did not happen.
"""

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the layout itself needs no Django: anonymity.py and its tests use it on plain rows
    from pristan.cases.models import Case

MISSING = "-99"
YES, NO = "1", "0"
DATASOURCE = "Case Management"

COLUMNS = (
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit", "majorityEntry",
    "citizenship",
    "meansOfControlDebtBondage", "meansOfControlTakesEarnings", "meansOfControlRestrictsFinancialAccess",
    "meansOfControlThreats", "meansOfControlPsychologicalAbuse", "meansOfControlPhysicalAbuse", "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises", "meansOfControlPsychoactiveSubstances", "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare", "meansOfControlExcessiveWorkingHours", "meansOfControlUsesChildren",
    "meansOfControlThreatOfLawEnforcement", "meansOfControlWithholdsNecessities", "meansOfControlWithholdsDocuments",
    "meansOfControlOther", "meansOfControlNotSpecified", "meansOfControlConcatenated",
    "isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isForcedMarriage", "isForcedMilitary",
    "isOrganRemoval", "isSlaveryAndPractices", "typeOfExploitConcatenated",
    "typeOfLabourAgriculture", "typeOfLabourAquafarming", "typeOfLabourBegging", "typeOfLabourConstruction",
    "typeOfLabourDomesticWork", "typeOfLabourHospitality", "typeOfLabourIllicitActivities", "typeOfLabourManufacturing",
    "typeOfLabourMiningOrDrilling", "typeOfLabourPeddling", "typeOfLabourTransportation", "typeOfLabourOther",
    "typeOfLabourNotSpecified", "typeOfLabourConcatenated",
    "typeOfSexProstitution", "typeOfSexPornography", "typeOfSexRemoteInteractiveServices", "typeOfSexPrivateSexualServices",
    "typeOfSexConcatenated",
    "isAbduction", "RecruiterRelationship", "CountryOfExploitation",
    "recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther",
    "recruiterRelationUnknown",
)  # fmt: skip

NO_SOURCE = frozenset({
    "majorityEntry", "meansOfControlRestrictsMovement", "meansOfControlUsesChildren", "typeOfLabourAquafarming",
    "typeOfLabourIllicitActivities", "typeOfLabourPeddling", "recruiterRelationIntimatePartner",
})  # fmt: skip

# (lowest age, highest age or None, label): CTDC's bands.
AGE_BANDS = (
    (0, 8, "0--8"), (9, 17, "9--17"), (18, 20, "18--20"), (21, 23, "21--23"), (24, 26, "24--26"), (27, 29, "27--29"),
    (30, 38, "30--38"), (39, 47, "39--47"), (48, None, "48+"),
)  # fmt: skip
ADULT_AGE = 18
MINOR, ADULT = "Minor", "Adult"

GENDERS = {
    "Feminine": "Female",
    "Masculine": "Male",
    "TransgenderFeminine": "Trans/Transgender/NonConforming",
    "TransgenderMasculine": "Trans/Transgender/NonConforming",
    "NonConforming": "Trans/Transgender/NonConforming",
}

# CTDC column -> (the HTCDS codes that set it, the name used in the *Concatenated column).
MEANS_OF_CONTROL = {
    "meansOfControlDebtBondage": ({"DebtBondage"}, "Debt bondage"),
    "meansOfControlTakesEarnings": ({"TakesEarnings"}, "Takes earnings"),
    "meansOfControlRestrictsFinancialAccess": ({"RestrictsFinancialAccess"}, "Restricts financial access"),
    "meansOfControlThreats": ({"PhysicalThreats", "ThreatensChildrenFamily"}, "Threats"),
    "meansOfControlPsychologicalAbuse": ({"PsychologicalAbuse"}, "Psychological abuse"),
    "meansOfControlPhysicalAbuse": ({"PhysicalAbuse"}, "Physical abuse"),
    "meansOfControlSexualAbuse": ({"SexualAbuse"}, "Sexual abuse"),
    "meansOfControlFalsePromises": ({"FalsePromises"}, "False promises"),
    "meansOfControlPsychoactiveSubstances": ({"PsychoactiveSubstance"}, "Psychoactive substances"),
    "meansOfControlRestrictsMedicalCare": ({"RestrictsMedicalCare"}, "Restricts medical care"),
    "meansOfControlExcessiveWorkingHours": ({"ExcessiveWorkingHours"}, "Excessive working hours"),
    "meansOfControlThreatOfLawEnforcement": ({"ThreatsLawEnforcement"}, "Threat of law enforcement"),
    "meansOfControlWithholdsNecessities": ({"WithholdsNecessities"}, "Withholds necessities"),
    "meansOfControlWithholdsDocuments": ({"WithholdsDocuments"}, "Withholds documents"),
    "meansOfControlOther": ({"Other"}, "Other"),
}
EXPLOITATION = {
    "isForcedLabour": ({"ForcedLabour", "ChildLabour", "ForcedBegging"}, "Forced labour"),
    "isSexualExploit": ({"SexualExploitation"}, "Sexual exploitation"),
    "isOtherExploit": ({"ForcedAdoption", "Surrogacy", "Other"}, "Other"),
    "isForcedMarriage": ({"ForcedMarriage"}, "Forced marriage"),
    "isForcedMilitary": ({"ForcedMilitaryByNonStateActors"}, "Forced military"),
    "isOrganRemoval": ({"OrganRemoval"}, "Organ removal"),
    "isSlaveryAndPractices": ({"Servitude"}, "Slavery and similar practices"),
}
EXPLOITATION_COLUMNS = (*EXPLOITATION, "isSexAndLabour", "typeOfExploitConcatenated")
LABOUR = {
    "typeOfLabourAgriculture": ({"A_AgricultureForestryAndFishing"}, "Agriculture"),
    "typeOfLabourBegging": ({"ForcedBegging"}, "Begging"),
    "typeOfLabourConstruction": ({"F_Construction"}, "Construction"),
    "typeOfLabourDomesticWork": ({"T_ActivitiesOfHouseholdsAsEmployers"}, "Domestic work"),
    "typeOfLabourHospitality": ({"I_AccommodationAndFoodServiceActivities"}, "Hospitality"),
    "typeOfLabourManufacturing": ({"C_Manufacturing"}, "Manufacturing"),
    "typeOfLabourMiningOrDrilling": ({"B_MiningAndQuarrying"}, "Mining or drilling"),
    "typeOfLabourTransportation": ({"H_TransportationAndStorage"}, "Transportation"),
}
SEX = {
    "typeOfSexProstitution": ({"Prostitution"}, "Prostitution"),
    "typeOfSexPornography": ({"Pornography"}, "Pornography"),
    "typeOfSexRemoteInteractiveServices": ({"RemoteInteractiveServices"}, "Remote interactive services"),
    "typeOfSexPrivateSexualServices": ({"PrivateSexualServices"}, "Private sexual services"),
}
# The columns that tell the type of exploitation: generalising it (anonymity.py) blanks them all.
EXPLOITATION_DETAIL_COLUMNS = tuple(
    column for column in COLUMNS if column.startswith(("typeOfLabour", "typeOfSex")) and column not in NO_SOURCE
)
RELATIONSHIPS = {
    "Familial": ("Family/Relative", "recruiterRelationFamily"),
    "Acquainted": ("Friend/Acquaintance", "recruiterRelationFriend"),
    "Unaquainted": ("Other", "recruiterRelationOther"),  # sic: the HTCDS value name
}
RELATIONSHIP_FLAGS = ("recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther")


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return MISSING
    for low, high, label in AGE_BANDS:
        if low <= age and (high is None or age <= high):
            return label
    return MISSING  # unreachable: the last band is open


def majority(age: int | None) -> str:
    if age is None or age < 0:
        return MISSING
    return MINOR if age < ADULT_AGE else ADULT


def _flag(on: bool) -> str:
    return YES if on else NO


def _flags(codes: Iterable[str], table: dict[str, tuple[set[str], str]]) -> dict[str, str]:
    present = set(codes)
    return {column: _flag(bool(sources & present)) for column, (sources, _name) in table.items()}


def _joined(row: dict[str, str], table: dict[str, tuple[set[str], str]], extra: Iterable[tuple[str, str]] = ()) -> str:
    names = [name for column, (_sources, name) in table.items() if row.get(column) == YES]
    names += [name for column, name in extra if row.get(column) == YES]
    return ";".join(names) or MISSING


def _age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def ctdc_row(case: "Case") -> dict[str, str]:
    """The CTDC row of one case, every column as text. The case comes with its person, experience,
    exploitation events and perpetrators loaded (services.research_rows); the person's date of birth
    is read inside a key scope, used for the age and forgotten."""
    row = dict.fromkeys(COLUMNS, MISSING)
    person = case.person
    age = _age_on(person.date_of_birth, case.opened_on)
    row |= {
        "yearOfRegistration": str(case.opened_on.year),
        "Datasource": DATASOURCE,
        "gender": GENDERS.get(person.gender, MISSING),
        "ageBroad": age_band(age),
        "majorityStatus": majority(age),
        "citizenship": person.citizenships[0] if person.citizenships else MISSING,
    }
    experience = getattr(case, "experience", None)
    if experience is not None and experience.age_when_trafficked is not None:
        row["majorityStatusAtExploit"] = majority(experience.age_when_trafficked)
    elif case.minor_at_exploitation:
        row["majorityStatusAtExploit"] = MINOR
    row |= _means_of_control(experience.methods_of_control if experience else [])
    if experience is not None and experience.types_of_exploitation:
        row |= _exploitation(experience.types_of_exploitation, experience.forced_labour_industry,
                             experience.types_of_sex_exploitation)  # fmt: skip
    row |= _relationship(experience.relationship_to_trafficker if experience else "")
    perpetrators = list(case.perpetrators.all())
    if perpetrators:
        row["isAbduction"] = _flag(any("Kidnapper" in perpetrator.roles for perpetrator in perpetrators))
    exploited_in = [event.country for event in case.events.all() if event.event_type == "Exploitation" and event.country]
    if exploited_in:
        row["CountryOfExploitation"] = exploited_in[0]
    return row


def _means_of_control(codes: list[str]) -> dict[str, str]:
    if not codes:
        return {"meansOfControlNotSpecified": YES, "meansOfControlConcatenated": "Not specified"}
    row = _flags(codes, MEANS_OF_CONTROL) | {"meansOfControlNotSpecified": NO}
    row["meansOfControlConcatenated"] = _joined(row, MEANS_OF_CONTROL)
    return row


def _exploitation(types: list[str], industry: str, sex_types: list[str]) -> dict[str, str]:
    row = _flags(types, EXPLOITATION)
    row["isSexAndLabour"] = _flag(row["isForcedLabour"] == YES and row["isSexualExploit"] == YES)
    row["typeOfExploitConcatenated"] = _joined(row, EXPLOITATION)
    labour = _flags([*types, industry], LABOUR)
    if row["isForcedLabour"] == YES:
        labour["typeOfLabourOther"] = _flag(bool(industry) and not any(flag == YES for flag in labour.values()))
        labour["typeOfLabourNotSpecified"] = _flag(not any(flag == YES for flag in labour.values()))
    else:
        labour |= {"typeOfLabourOther": NO, "typeOfLabourNotSpecified": NO}
    row |= labour
    row["typeOfLabourConcatenated"] = _joined(
        row, LABOUR, [("typeOfLabourOther", "Other"), ("typeOfLabourNotSpecified", "Not specified")]
    )
    row |= _flags(sex_types, SEX)
    row["typeOfSexConcatenated"] = _joined(row, SEX)
    return row


def _relationship(code: str) -> dict[str, str]:
    if code not in RELATIONSHIPS:
        return {"RecruiterRelationship": "Not Specified", "recruiterRelationUnknown": YES}
    name, flagged = RELATIONSHIPS[code]
    return {"RecruiterRelationship": name, "recruiterRelationUnknown": NO} | {
        column: _flag(column == flagged) for column in RELATIONSHIP_FLAGS
    }
