"""Short texts a caseworker would write, in the language of the office that writes them.

Notes, task titles, screening reasons and guardians' relationships are free text in Pristan, so
they are written in the office's language, as they would be in real records. Languages without an
entry fall back to English. Objectives are kept in English: they are longer, and a wrong
translation in demo data would be worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "FORMER_CASEWORKER",
    "GUARDIAN_RELATIONSHIPS",
    "NOTES",
    "OBJECTIVES",
    "PARTNER_SERVICES",
    "SCREENING_REASONS",
    "TASK_TITLES",
    "localised",
]

FALLBACK = "en"
T = TypeVar("T")

NOTES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "bg": (
            "Проведена консултация с психолог.",
            "Лицето е настанено в кризисен център.",
            "Телефонен разговор: лицето е добре, няма нужда от спешна помощ.",
            "Придружаване до личния лекар за преглед.",
            "Обсъден индивидуалният план за подкрепа с лицето.",
            "Среща с адвокат във връзка с досъдебното производство.",
        ),
        "mk": (
            "Одржана консултација со психолог.",
            "Лицето е сместено во засолниште.",
            "Телефонски разговор: лицето е добро, нема потреба од итна помош.",
            "Придружба до матичниот лекар на преглед.",
            "Со лицето е разгледан индивидуалниот план за поддршка.",
            "Средба со адвокат во врска со предистражната постапка.",
        ),
        "sr": (
            "Обављен разговор са психологом.",
            "Особа је смештена у прихватилиште.",
            "Телефонски разговор: особа је добро, нема потребе за хитном помоћи.",
            "Пратња до изабраног лекара на преглед.",
            "Са особом је размотрен индивидуални план подршке.",
            "Састанак са адвокатом у вези са истрагом.",
        ),
        "bs": (
            "Obavljen razgovor sa psihologom.",
            "Osoba je smještena u sigurnu kuću.",
            "Telefonski razgovor: osoba je dobro, nema potrebe za hitnom pomoći.",
            "Pratnja do porodičnog ljekara na pregled.",
            "S osobom je razmotren individualni plan podrške.",
            "Sastanak s advokatom u vezi s istragom.",
        ),
        "hr": (
            "Obavljen razgovor s psihologom.",
            "Osoba je smještena u sklonište.",
            "Telefonski razgovor: osoba je dobro, nema potrebe za hitnom pomoći.",
            "Pratnja do obiteljskog liječnika na pregled.",
            "S osobom je razmotren individualni plan podrške.",
            "Sastanak s odvjetnikom u vezi s istragom.",
        ),
        "ro": (
            "A avut loc o consultație cu psihologul.",
            "Persoana a fost plasată într-un centru de criză.",
            "Convorbire telefonică: persoana este bine, nu are nevoie de ajutor urgent.",
            "Însoțire la medicul de familie pentru consult.",
            "Planul individual de asistență a fost discutat cu persoana.",
            "Întâlnire cu avocatul privind urmărirea penală.",
        ),
        "uk": (
            "Проведено консультацію з психологом.",
            "Особу розміщено в притулку.",
            "Телефонна розмова: особа почувається добре, термінова допомога не потрібна.",
            "Супровід до сімейного лікаря на огляд.",
            "З особою обговорено індивідуальний план підтримки.",
            "Зустріч з адвокатом щодо досудового розслідування.",
        ),
        "sl": (
            "Opravljen pogovor s psihologom.",
            "Oseba je nameščena v varni hiši.",
            "Telefonski pogovor: oseba je dobro, nujna pomoč ni potrebna.",
            "Spremstvo k osebnemu zdravniku na pregled.",
            "Z osebo je bil pregledan individualni načrt podpore.",
            "Sestanek z odvetnikom glede predkazenskega postopka.",
        ),
        "en": (
            "Consultation with the psychologist held.",
            "Person placed in the crisis shelter.",
            "Phone call: the person is well, no urgent needs.",
            "Accompanied the person to the family doctor.",
            "Went through the individual support plan with the person.",
            "Meeting with the lawyer about the criminal investigation.",
        ),
    }
)

TASK_TITLES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "bg": (
            "Проследяващо обаждане",
            "Насрочване на медицински преглед",
            "Подготовка на документи за съда",
            "Посещение в дома на лицето",
            "Преглед на плана за подкрепа",
        ),
        "mk": (
            "Следбен телефонски повик",
            "Закажување медицински преглед",
            "Подготовка на документи за судот",
            "Посета во домот на лицето",
            "Преглед на планот за поддршка",
        ),
        "sr": (
            "Контролни телефонски позив",
            "Заказати лекарски преглед",
            "Припремити документа за суд",
            "Посета особи код куће",
            "Преглед плана подршке",
        ),
        "bs": (
            "Kontrolni telefonski poziv",
            "Zakazati ljekarski pregled",
            "Pripremiti dokumente za sud",
            "Posjeta osobi kod kuće",
            "Pregled plana podrške",
        ),
        "hr": (
            "Kontrolni telefonski poziv",
            "Naručiti liječnički pregled",
            "Pripremiti dokumente za sud",
            "Posjet osobi kod kuće",
            "Pregled plana podrške",
        ),
        "ro": (
            "Apel telefonic de monitorizare",
            "Programare la consult medical",
            "Pregătirea documentelor pentru instanță",
            "Vizită la domiciliul persoanei",
            "Revizuirea planului de asistență",
        ),
        "uk": (
            "Контрольний телефонний дзвінок",
            "Записати на медичний огляд",
            "Підготувати документи для суду",
            "Візит до особи додому",
            "Перегляд плану підтримки",
        ),
        "sl": (
            "Kontrolni telefonski klic",
            "Naročiti zdravniški pregled",
            "Pripraviti dokumente za sodišče",
            "Obisk osebe na domu",
            "Pregled načrta podpore",
        ),
        "en": (
            "Follow-up phone call",
            "Book a medical check-up",
            "Prepare documents for court",
            "Home visit",
            "Review the support plan",
        ),
    }
)

# Reasons for the screening decisions in _DECISIONS order: possible, actual, not a victim.
_DECISIONS = ("PossibleVictimOfTrafficking", "ActualVictimOfTrafficking", "NotAVictimOfTrafficking")
_REASONS: Mapping[str, tuple[str, str, str]] = {
    "bg": (
        "Индикаторите сочат вероятна жертва; очаква се потвърждение от компетентния орган.",
        "Статутът на жертва е потвърден от компетентния орган.",
        "Няма достатъчно индикатори за трафик; лицето е насочено към други услуги.",
    ),
    "mk": (
        "Индикаторите укажуваат на можна жртва; се чека потврда од надлежниот орган.",
        "Статусот на жртва е потврден од надлежниот орган.",
        "Нема доволно индикатори за трговија со луѓе; лицето е упатено на други услуги.",
    ),
    "sr": (
        "Индикатори указују на могућу жртву; чека се потврда надлежног органа.",
        "Статус жртве потврдио је надлежни орган.",
        "Нема довољно индикатора трговине људима; особа је упућена на друге услуге.",
    ),
    "bs": (
        "Indikatori ukazuju na moguću žrtvu; čeka se potvrda nadležnog organa.",
        "Status žrtve potvrdio je nadležni organ.",
        "Nema dovoljno indikatora trgovine ljudima; osoba je upućena na druge usluge.",
    ),
    "hr": (
        "Pokazatelji upućuju na moguću žrtvu; čeka se potvrda nadležnog tijela.",
        "Status žrtve potvrdilo je nadležno tijelo.",
        "Nema dovoljno pokazatelja trgovanja ljudima; osoba je upućena na druge usluge.",
    ),
    "ro": (
        "Indicatorii arată o posibilă victimă; se așteaptă confirmarea autorității competente.",
        "Statutul de victimă a fost confirmat de autoritatea competentă.",
        "Nu există suficienți indicatori de trafic; persoana a fost îndrumată către alte servicii.",
    ),
    "uk": (
        "Індикатори вказують на можливу жертву; очікується підтвердження компетентного органу.",
        "Статус жертви підтверджено компетентним органом.",
        "Недостатньо індикаторів торгівлі людьми; особу скеровано до інших служб.",
    ),
    "sl": (
        "Kazalniki kažejo na možno žrtev; čaka se potrditev pristojnega organa.",
        "Status žrtve je potrdil pristojni organ.",
        "Ni dovolj kazalnikov trgovine z ljudmi; oseba je napotena k drugim službam.",
    ),
    "en": (
        "The indicators point to a possible victim; confirmation by the competent authority is pending.",
        "Victim status confirmed by the competent authority.",
        "Not enough indicators of trafficking; the person was referred to other services.",
    ),
}
# Reason for a screening decision, by language and HTCDS vic_TraffickingStatus.
SCREENING_REASONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {language: dict(zip(_DECISIONS, reasons, strict=True)) for language, reasons in _REASONS.items()}
)

# mother, father, grandmother, social worker -- in that order in every language.
GUARDIAN_RELATIONSHIPS: Mapping[str, tuple[str, str, str, str]] = MappingProxyType(
    {
        "bg": ("майка", "баща", "баба", "социален работник"),
        "mk": ("мајка", "татко", "баба", "социјален работник"),
        "sr": ("мајка", "отац", "бака", "социјални радник"),
        "bs": ("majka", "otac", "nana", "socijalni radnik"),
        "hr": ("majka", "otac", "baka", "socijalni radnik"),
        "ro": ("mamă", "tată", "bunică", "asistent social"),
        "uk": ("мати", "батько", "бабуся", "соціальний працівник"),
        "sl": ("mati", "oče", "babica", "socialni delavec"),
        "en": ("mother", "father", "grandmother", "social worker"),
    }
)

# (objectives, action plan) by HTCDS spl_Type.
OBJECTIVES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "Education": ("Return to school and finish the school year.", "Enrol in school; arrange tutoring and school supplies."),
        "Financial": ("Cover basic needs until the person has an income.", "Monthly allowance for food and transport."),
        "Health": (
            "Restore physical and mental health.",
            "Medical check-up, treatment and regular sessions with the psychologist.",
        ),
        "LabourExploitationRehabilitation": (
            "Recover from labour exploitation and claim unpaid wages.",
            "Counselling; support the claim with the labour inspectorate.",
        ),
        "Legal": (
            "Protect the person's rights in the criminal proceedings.",
            "Legal representation; prepare the person for testimony.",
        ),
        "Livelihood": ("Find stable, decent work.", "Job counselling, a CV and contacts with employers."),
        "RightsBasedTraining": (
            "Know one's rights as a worker and a migrant.",
            "Information sessions on labour rights and safe migration.",
        ),
        "SexualExploitationRehabilitation": (
            "Recover from sexual exploitation in safety.",
            "Shelter, psychotherapy and a safety plan.",
        ),
        "SocialCare": ("Secure housing and social benefits.", "Apply for social assistance; find long-term accommodation."),
    }
)


# The account that owns generated history: a former colleague, named in the office's language
# (it appears as the author of notes and tasks). Nobody signs in as it.
FORMER_CASEWORKER: Mapping[str, str] = MappingProxyType(
    {
        "bg": "Бивш социален работник",
        "mk": "Поранешен социјален работник",
        "bs": "Bivši socijalni radnik",
        "hr": "Bivši socijalni radnik",
        "sr": "Бивши социјални радник",
        "ro": "Fost asistent social",
        "uk": "Колишній соціальний працівник",
        "sl": "Nekdanji socialni delavec",
        "sq": "Ish-punonjës social",
        "en": "Former caseworker",
    }
)


# What the demo's partners offer, in the order of world._PARTNER_SPECS (shelter, health centre,
# legal aid), written as a partner in that country would describe itself.
PARTNER_SERVICES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "bg": (
            "Безопасно настаняване; психосоциална подкрепа; издирване на семейството",
            "Медицинска помощ; грижа за психичното здраве; репродуктивно здраве",
            "Правна помощ; представителство на пострадалите в наказателното производство",
        ),
        "mk": (
            "Безбедно сместување; психосоцијална поддршка; пронаоѓање на семејството",
            "Медицинска грижа; грижа за менталното здравје; репродуктивно здравје",
            "Правна помош; застапување на жртвите во кривичната постапка",
        ),
        "bs": (
            "Sigurni smještaj; psihosocijalna podrška; traženje porodice",
            "Medicinska njega; zaštita mentalnog zdravlja; reproduktivno zdravlje",
            "Pravna pomoć; zastupanje žrtava u krivičnom postupku",
        ),
        "hr": (
            "Siguran smještaj; psihosocijalna podrška; traženje obitelji",
            "Medicinska skrb; skrb za mentalno zdravlje; reproduktivno zdravlje",
            "Pravna pomoć; zastupanje žrtava u kaznenom postupku",
        ),
        "sr": (
            "Безбедан смештај; психосоцијална подршка; тражење породице",
            "Медицинска нега; брига о менталном здрављу; репродуктивно здравље",
            "Правна помоћ; заступање жртава у кривичном поступку",
        ),
        "en": (
            "Safe accommodation; psychosocial support; family tracing",
            "Medical care; mental health care; reproductive health",
            "Legal aid; representation of victims in criminal proceedings",
        ),
    }
)


def localised(table: Mapping[str, T], language: str) -> T:
    """The entry for ``language``, or the English one."""
    return table.get(language, table[FALLBACK])
