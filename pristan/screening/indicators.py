"""ILO/EC operational indicators of trafficking in human beings, as data.

Source: ILO & European Commission, *Operational indicators of trafficking in
human beings. Results from a Delphi survey implemented by the ILO and the
European Commission* (first published March 2009, revised September 2009).

The publication gives four lists (adults / children, each for labour and for
sexual exploitation). Each list sorts indicators into the six elements of the
Palermo Protocol definition (the "dimensions" below) and grades every
indicator as strong, medium or weak. The same indicator may appear in
several dimensions and lists, sometimes with a different strength.

The wording here is a short English rendering of the published indicator
names. Every distinct wording is defined exactly once in ``_LABELS`` so that
it is a single msgid for translators. Screening answers store
``Indicator.key`` (``"<dimension>.<code>"``), which is stable across wording
changes.

The combination rule that turns selected indicators into an assessment lives
in :mod:`pristan.screening.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

__all__ = [
    "RECRUITMENT_DIMENSIONS",
    "Dimension",
    "Indicator",
    "IndicatorList",
    "Strength",
    "indicator_list_for",
    "indicators_for",
]


class Dimension(models.TextChoices):
    """The six elements of the trafficking definition used by the ILO/EC lists."""

    DECEPTIVE_RECRUITMENT = "deceptive_recruitment", _("Deceptive recruitment")
    COERCIVE_RECRUITMENT = "coercive_recruitment", _("Coercive recruitment")
    VULNERABILITY_RECRUITMENT = (
        "vulnerability_recruitment",
        _("Recruitment by abuse of vulnerability"),
    )
    EXPLOITATION = "exploitation", _("Exploitative conditions")
    COERCION_DESTINATION = "coercion_destination", _("Coercion at destination")
    VULNERABILITY_DESTINATION = (
        "vulnerability_destination",
        _("Abuse of vulnerability at destination"),
    )


class Strength(models.TextChoices):
    STRONG = "strong", _("Strong")
    MEDIUM = "medium", _("Medium")
    WEAK = "weak", _("Weak")


class IndicatorList(models.TextChoices):
    ADULT_LABOUR = "adult_labour", _("Adults, labour exploitation")
    ADULT_SEXUAL = "adult_sexual", _("Adults, sexual exploitation")
    CHILD_LABOUR = "child_labour", _("Children, labour exploitation")
    CHILD_SEXUAL = "child_sexual", _("Children, sexual exploitation")


RECRUITMENT_DIMENSIONS: frozenset[Dimension] = frozenset(
    {
        Dimension.DECEPTIVE_RECRUITMENT,
        Dimension.COERCIVE_RECRUITMENT,
        Dimension.VULNERABILITY_RECRUITMENT,
    }
)


@dataclass(frozen=True)
class Indicator:
    """One graded indicator of one list.

    ``label`` is excluded from comparison and hashing: it is derived from
    ``code`` and is a lazy translation, which must not be evaluated (and so
    need settings) merely to put an indicator in a set.
    """

    code: str
    dimension: Dimension
    strength: Strength
    label: StrOrPromise = field(compare=False)

    @property
    def key(self) -> str:
        return f"{self.dimension.value}.{self.code}"


# Every distinct wording, once. Keys are the stable indicator codes.
_LABELS: Mapping[str, StrOrPromise] = MappingProxyType(
    {
        # Deception during recruitment, transfer and transportation
        "deceived_nature_of_job": _("Deceived about the nature of the job, location or employer"),
        "deceived_conditions_of_work": _("Deceived about conditions of work"),
        "deceived_conditions_of_prostitution": _("Deceived about conditions of prostitution"),
        "deceived_contract": _("Deceived about the content or legality of the work contract"),
        "deceived_family_reunification": _("Deceived about family reunification"),
        "deceived_housing": _("Deceived about housing and living conditions"),
        "deceived_legal_documentation": _("Deceived about legal documentation or obtaining legal migrant status"),
        "deceived_travel_recruitment": _("Deceived about travel and recruitment conditions"),
        "deceived_wages": _("Deceived about wages or earnings"),
        "deceived_marriage_adoption": _("Deceived through promises of marriage or adoption"),
        "deceived_education": _("Deceived about access to education opportunities"),
        # Coercion (during recruitment and at destination)
        "abduction_forced_marriage_sale": _("Abduction, forced marriage, forced adoption or selling of the victim"),
        "confiscation_of_documents": _("Confiscation of documents"),
        "debt_bondage": _("Debt bondage"),
        "isolation_confinement_surveillance": _("Isolation, confinement or surveillance"),
        "threat_of_denunciation": _("Threat of denunciation to authorities"),
        "threat_to_inform_family_community": _("Threat to inform family, community or public"),
        "threats_of_violence": _("Threats of violence against the victim"),
        "violence_on_family": _("Violence on family (threats or effective)"),
        "violence_on_victim": _("Violence on the victim"),
        "withholding_of_money": _("Withholding of money"),
        "forced_illicit_activities": _("Forced into illicit or criminal activities"),
        "forced_tasks_or_clients": _("Forced tasks or clients"),
        "forced_to_act_against_peers": _("Forced to act against peers"),
        "forced_to_lie": _("Forced to lie to authorities, family, etc."),
        "threat_of_worse_conditions": _("Threat to impose even worse working conditions"),
        "under_strong_influence": _("Under strong influence"),
        "withholding_of_wages": _("Withholding of wages"),
        # Abuse of vulnerability (during recruitment and at destination)
        "abuse_difficult_family_situation": _("Abuse of difficult family situation"),
        "abuse_illegal_status": _("Abuse of illegal status"),
        "abuse_lack_of_education": _("Abuse of lack of education (language)"),
        "abuse_lack_of_information": _("Abuse of lack of information"),
        "control_by_exploiters": _("Control by exploiters"),
        "economic_reasons": _("Economic reasons"),
        "false_information_law_authorities": _("False information about law and attitude of authorities"),
        "false_information_successful_migration": _("False information about successful migration"),
        "family_situation": _("Family situation"),
        "personal_situation": _("Personal situation"),
        "psychological_emotional_dependency": _("Psychological and emotional dependency"),
        "relationship_with_authorities": _("Relationship with authorities or legal status"),
        "difficulties_in_the_past": _("Difficulties in the past"),
        "difficulty_organising_travel": _("Difficulty to organise the travel"),
        "abuse_cultural_religious_beliefs": _("Abuse of cultural or religious beliefs"),
        "general_context": _("General context"),
        "dependency_on_exploiters": _("Dependency on exploiters"),
        "difficulty_living_unknown_area": _("Difficulty to live in an unknown area"),
        "personal_characteristics": _("Personal characteristics"),
        # Exploitative conditions
        "excessive_working_hours": _("Excessive working days or hours"),
        "bad_living_conditions": _("Bad living conditions"),
        "hazardous_work": _("Hazardous work"),
        "low_or_no_salary": _("Low or no salary"),
        "no_respect_labour_laws": _("No respect of labour laws or contract signed"),
        "no_social_protection": _("No social protection (contract, social insurance, etc.)"),
        "very_bad_working_conditions": _("Very bad working conditions"),
        "wage_manipulation": _("Wage manipulation"),
        "no_access_to_education": _("No access to education"),
    }
)

# (strong, medium, weak) codes per dimension.
_Grades: TypeAlias = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_Spec: TypeAlias = Mapping[Dimension, _Grades]

_D = Dimension

# --- Adults, labour exploitation --------------------------------------------

_ADULT_LABOUR: _Spec = {
    _D.DECEPTIVE_RECRUITMENT: (
        ("deceived_nature_of_job",),
        (
            "deceived_conditions_of_work",
            "deceived_contract",
            "deceived_family_reunification",
            "deceived_housing",
            "deceived_legal_documentation",
            "deceived_travel_recruitment",
            "deceived_wages",
            "deceived_marriage_adoption",
        ),
        ("deceived_education",),
    ),
    _D.COERCIVE_RECRUITMENT: (
        ("violence_on_victim",),
        (
            "abduction_forced_marriage_sale",
            "confiscation_of_documents",
            "debt_bondage",
            "isolation_confinement_surveillance",
            "threat_of_denunciation",
            "threat_to_inform_family_community",
            "threats_of_violence",
            "violence_on_family",
            "withholding_of_money",
        ),
        (),
    ),
    _D.VULNERABILITY_RECRUITMENT: (
        (),
        (
            "abuse_difficult_family_situation",
            "abuse_illegal_status",
            "abuse_lack_of_education",
            "abuse_lack_of_information",
            "control_by_exploiters",
            "economic_reasons",
            "false_information_law_authorities",
            "false_information_successful_migration",
            "family_situation",
            "personal_situation",
            "psychological_emotional_dependency",
            "relationship_with_authorities",
            "difficulties_in_the_past",
            "difficulty_organising_travel",
        ),
        ("abuse_cultural_religious_beliefs", "general_context"),
    ),
    _D.EXPLOITATION: (
        ("excessive_working_hours",),
        (
            "bad_living_conditions",
            "hazardous_work",
            "low_or_no_salary",
            "no_respect_labour_laws",
            "no_social_protection",
            "very_bad_working_conditions",
            "wage_manipulation",
        ),
        ("no_access_to_education",),
    ),
    _D.COERCION_DESTINATION: (
        (
            "confiscation_of_documents",
            "debt_bondage",
            "isolation_confinement_surveillance",
            "violence_on_victim",
        ),
        (
            "forced_illicit_activities",
            "forced_tasks_or_clients",
            "forced_to_act_against_peers",
            "forced_to_lie",
            "threat_of_denunciation",
            "threat_of_worse_conditions",
            "threats_of_violence",
            "under_strong_influence",
            "violence_on_family",
            "withholding_of_wages",
        ),
        ("threat_to_inform_family_community",),
    ),
    _D.VULNERABILITY_DESTINATION: (
        (),
        (
            "dependency_on_exploiters",
            "difficulty_living_unknown_area",
            "economic_reasons",
            "family_situation",
            "relationship_with_authorities",
        ),
        ("difficulties_in_the_past", "personal_characteristics"),
    ),
}

# --- Adults, sexual exploitation --------------------------------------------

_ADULT_SEXUAL: _Spec = {
    _D.DECEPTIVE_RECRUITMENT: (
        ("deceived_nature_of_job",),
        (
            "deceived_conditions_of_prostitution",
            "deceived_contract",
            "deceived_family_reunification",
            "deceived_housing",
            "deceived_legal_documentation",
            "deceived_travel_recruitment",
            "deceived_wages",
            "deceived_marriage_adoption",
        ),
        ("deceived_education",),
    ),
    _D.COERCIVE_RECRUITMENT: (
        ("abduction_forced_marriage_sale", "violence_on_victim"),
        (
            "confiscation_of_documents",
            "debt_bondage",
            "isolation_confinement_surveillance",
            "threat_of_denunciation",
            "threat_to_inform_family_community",
            "threats_of_violence",
            "violence_on_family",
            "withholding_of_money",
        ),
        (),
    ),
    _D.VULNERABILITY_RECRUITMENT: _ADULT_LABOUR[_D.VULNERABILITY_RECRUITMENT],
    _D.EXPLOITATION: (
        (),
        (
            "bad_living_conditions",
            "excessive_working_hours",
            "hazardous_work",
            "low_or_no_salary",
            "no_respect_labour_laws",
            "no_social_protection",
            "very_bad_working_conditions",
            "wage_manipulation",
        ),
        ("no_access_to_education",),
    ),
    _D.COERCION_DESTINATION: (
        (
            "confiscation_of_documents",
            "debt_bondage",
            "forced_tasks_or_clients",
            "isolation_confinement_surveillance",
            "violence_on_victim",
        ),
        (
            "forced_illicit_activities",
            "forced_to_act_against_peers",
            "forced_to_lie",
            "threat_of_denunciation",
            "threat_of_worse_conditions",
            "threats_of_violence",
            "under_strong_influence",
            "violence_on_family",
            "withholding_of_wages",
        ),
        ("threat_to_inform_family_community",),
    ),
    _D.VULNERABILITY_DESTINATION: _ADULT_LABOUR[_D.VULNERABILITY_DESTINATION],
}

# --- Children, labour exploitation ------------------------------------------
# The children's lists have no "weak" grade: indicators that are weak for
# adults are medium or strong for children.

_CHILD_VULNERABILITY_RECRUITMENT: _Grades = (
    (),
    (
        "abuse_difficult_family_situation",
        "abuse_illegal_status",
        "abuse_lack_of_education",
        "abuse_lack_of_information",
        "control_by_exploiters",
        "economic_reasons",
        "false_information_successful_migration",
        "family_situation",
        "personal_situation",
        "psychological_emotional_dependency",
        "relationship_with_authorities",
        "difficulties_in_the_past",
        "difficulty_organising_travel",
        "abuse_cultural_religious_beliefs",
        "general_context",
    ),
    (),
)

_CHILD_COERCIVE_RECRUITMENT: _Grades = (
    (
        "abduction_forced_marriage_sale",
        "debt_bondage",
        "threats_of_violence",
        "violence_on_victim",
    ),
    (
        "confiscation_of_documents",
        "isolation_confinement_surveillance",
        "threat_of_denunciation",
        "threat_to_inform_family_community",
        "violence_on_family",
        "withholding_of_money",
    ),
    (),
)

_CHILD_COERCION_DESTINATION: _Grades = (
    (
        "confiscation_of_documents",
        "debt_bondage",
        "forced_illicit_activities",
        "forced_tasks_or_clients",
        "isolation_confinement_surveillance",
        "threats_of_violence",
        "under_strong_influence",
        "violence_on_victim",
    ),
    (
        "forced_to_act_against_peers",
        "forced_to_lie",
        "threat_of_denunciation",
        "threat_of_worse_conditions",
        "threat_to_inform_family_community",
        "violence_on_family",
        "withholding_of_wages",
    ),
    (),
)

_CHILD_VULNERABILITY_DESTINATION: _Grades = (
    (),
    (
        "dependency_on_exploiters",
        "difficulty_living_unknown_area",
        "economic_reasons",
        "family_situation",
        "relationship_with_authorities",
        "difficulties_in_the_past",
        "personal_characteristics",
    ),
    (),
)

_CHILD_LABOUR: _Spec = {
    _D.DECEPTIVE_RECRUITMENT: (
        ("deceived_nature_of_job", "deceived_education"),
        (
            "deceived_conditions_of_work",
            "deceived_contract",
            "deceived_family_reunification",
            "deceived_housing",
            "deceived_legal_documentation",
            "deceived_travel_recruitment",
            "deceived_wages",
            "deceived_marriage_adoption",
        ),
        (),
    ),
    _D.COERCIVE_RECRUITMENT: _CHILD_COERCIVE_RECRUITMENT,
    _D.VULNERABILITY_RECRUITMENT: _CHILD_VULNERABILITY_RECRUITMENT,
    _D.EXPLOITATION: (
        ("excessive_working_hours",),
        (
            "bad_living_conditions",
            "hazardous_work",
            "low_or_no_salary",
            "no_access_to_education",
            "no_respect_labour_laws",
            "very_bad_working_conditions",
            "wage_manipulation",
        ),
        (),
    ),
    _D.COERCION_DESTINATION: _CHILD_COERCION_DESTINATION,
    _D.VULNERABILITY_DESTINATION: _CHILD_VULNERABILITY_DESTINATION,
}

# --- Children, sexual exploitation ------------------------------------------

_CHILD_SEXUAL: _Spec = {
    _D.DECEPTIVE_RECRUITMENT: (
        ("deceived_nature_of_job", "deceived_education"),
        (
            "deceived_conditions_of_prostitution",
            "deceived_contract",
            "deceived_family_reunification",
            "deceived_housing",
            "deceived_legal_documentation",
            "deceived_travel_recruitment",
            "deceived_wages",
            "deceived_marriage_adoption",
        ),
        (),
    ),
    _D.COERCIVE_RECRUITMENT: _CHILD_COERCIVE_RECRUITMENT,
    _D.VULNERABILITY_RECRUITMENT: _CHILD_VULNERABILITY_RECRUITMENT,
    _D.EXPLOITATION: (
        ("hazardous_work",),
        (
            "bad_living_conditions",
            "excessive_working_hours",
            "low_or_no_salary",
            "no_access_to_education",
            "no_respect_labour_laws",
            "very_bad_working_conditions",
            "wage_manipulation",
        ),
        (),
    ),
    _D.COERCION_DESTINATION: _CHILD_COERCION_DESTINATION,
    _D.VULNERABILITY_DESTINATION: _CHILD_VULNERABILITY_DESTINATION,
}


def _build(spec: _Spec) -> tuple[Indicator, ...]:
    """Flatten a spec into indicators, in Dimension then Strength order."""
    indicators: list[Indicator] = []
    for dimension in Dimension:
        grades = spec.get(dimension, ((), (), ()))
        for strength, codes in zip(Strength, grades, strict=True):
            indicators.extend(
                Indicator(
                    code=code,
                    dimension=dimension,
                    strength=strength,
                    label=_LABELS[code],
                )
                for code in codes
            )
    return tuple(indicators)


_INDICATORS: Mapping[IndicatorList, tuple[Indicator, ...]] = MappingProxyType(
    {
        IndicatorList.ADULT_LABOUR: _build(_ADULT_LABOUR),
        IndicatorList.ADULT_SEXUAL: _build(_ADULT_SEXUAL),
        IndicatorList.CHILD_LABOUR: _build(_CHILD_LABOUR),
        IndicatorList.CHILD_SEXUAL: _build(_CHILD_SEXUAL),
    }
)


def indicators_for(indicator_list: IndicatorList) -> tuple[Indicator, ...]:
    """All indicators of one list, in Dimension then Strength order."""
    return _INDICATORS[IndicatorList(indicator_list)]


def indicator_list_for(*, is_child: bool, sexual: bool) -> IndicatorList:
    """The list to use for a person (child = under 18) and form of exploitation."""
    if is_child:
        return IndicatorList.CHILD_SEXUAL if sexual else IndicatorList.CHILD_LABOUR
    return IndicatorList.ADULT_SEXUAL if sexual else IndicatorList.ADULT_LABOUR
