"""What the demo offices write into movements, reintegration plans, flags and attachments, in each
office's language (as `texts` does for notes and tasks; English for the others)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "ATTACHMENT_DESCRIPTIONS",
    "COUNSELLING_NOTES",
    "ERASURE_REASONS",
    "FLAG_REASONS",
    "ITEM_DESCRIPTIONS",
    "OVERRIDE_REASONS",
    "PLAN_OBJECTIVES",
    "REFERRAL_DETAILS",
    "REFUSED_AS",
    "TRANSFER_REASONS",
]

# Flag kind (cases.models.FlagKind) → why it was raised.
FLAG_REASONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "bg": {
            "security_risk": "Трафикантът е заплашвал семейството ѝ по телефона; адресът на кризисния център не се съобщава.",
            "trafficker_in_contact": "Лицето е получило съобщения от вербовчика в социалните мрежи през последната седмица.",
            "medical_urgency": "Нужда от спешен преглед при гинеколог; насочено към здравния център.",
            "interpreter_needed": "Говори само румънски: за всяка среща е нужен преводач.",
        },
        "mk": {
            "security_risk": (
                "Трговецот со луѓе ѝ се заканувал на семејството по телефон; адресата на засолништето не се соопштува."
            ),
            "trafficker_in_contact": "Лицето добило пораки од регрутерот на социјалните мрежи минатата недела.",
            "medical_urgency": "Потребен е итен преглед кај гинеколог; упатено во здравствениот центар.",
            "interpreter_needed": "Зборува само албански: за секоја средба е потребен преведувач.",
        },
        "bs": {
            "security_risk": "Trgovac ljudima je telefonom prijetio porodici; adresa sigurne kuće se ne saopćava.",
            "trafficker_in_contact": "Osoba je prošle sedmice dobila poruke od vrbovatelja na društvenim mrežama.",
            "medical_urgency": "Potreban hitan pregled kod ginekologa; upućena u dom zdravlja.",
            "interpreter_needed": "Govori samo romski: za svaki sastanak potreban je prevodilac.",
        },
        "en": {
            "security_risk": "The trafficker threatened the family by telephone; the shelter's address is not given out.",
            "trafficker_in_contact": "The person received messages from the recruiter on social media last week.",
            "medical_urgency": "Needs an urgent gynaecological examination; referred to the health centre.",
            "interpreter_needed": "Speaks only Romanian: every meeting needs an interpreter.",
        },
    }
)

# Attachment kind → its description.
ATTACHMENT_DESCRIPTIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "bg": {
            "identity_document": "Сканирано копие на личната карта (лицева и гръбна страна).",
            "consent_form": "Подписано информирано съгласие за управление на случая.",
            "medical_certificate": "Медицинско удостоверение от прегледа при личния лекар.",
        },
        "mk": {
            "identity_document": "Скенирана копија од личната карта (двете страни).",
            "consent_form": "Потпишана информирана согласност за водење на случајот.",
            "medical_certificate": "Лекарско уверение од прегледот кај матичниот лекар.",
        },
        "bs": {
            "identity_document": "Skenirana kopija lične karte (obje strane).",
            "consent_form": "Potpisana informisana saglasnost za vođenje slučaja.",
            "medical_certificate": "Ljekarsko uvjerenje sa pregleda kod porodičnog ljekara.",
        },
        "en": {
            "identity_document": "Scanned copy of the identity card (both sides).",
            "consent_form": "Signed informed consent to case management.",
            "medical_certificate": "Medical certificate from the examination by the family doctor.",
        },
    }
)

COUNSELLING_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "bg": "Обсъдени пътуването, посрещането и първите седмици след завръщането.",
        "mk": "Разговаравме за патувањето, пречекот и првите недели по враќањето.",
        "bs": "Razgovarali smo o putovanju, dočeku i prvim sedmicama nakon povratka.",
        "en": "Discussed the journey, the reception and the first weeks after return.",
    }
)

# The three objectives of a reintegration plan: economic, social, psychosocial.
PLAN_OBJECTIVES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "bg": (
            "Завършване на курс за фризьори и започване на работа до шест месеца.",
            "Възстановяване на връзката със сестра ѝ и записване на детето в детска градина.",
            "Ежемесечни срещи с психолог през първата година.",
        ),
        "mk": (
            "Завршување на курс за шивачи и вработување во рок од шест месеци.",
            "Обновување на врската со семејството и запишување на детето во градинка.",
            "Месечни средби со психолог во текот на првата година.",
        ),
        "bs": (
            "Završetak kursa za kuhare i zaposlenje u roku od šest mjeseci.",
            "Obnavljanje veze s porodicom i upis djeteta u vrtić.",
            "Mjesečni susreti s psihologom tokom prve godine.",
        ),
        "en": (
            "Finish a hairdressing course and find work within six months.",
            "Renew contact with her sister and enrol the child in a kindergarten.",
            "Monthly sessions with a psychologist during the first year.",
        ),
    }
)

# Reintegration assistance: a vocational course, then a cash grant.
ITEM_DESCRIPTIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "bg": ("Курс за професионална квалификация, три месеца.", "Еднократна помощ за наем и храна."),
        "mk": ("Курс за стручна обука, три месеци.", "Еднократна помош за кирија и храна."),
        "bs": ("Kurs stručnog osposobljavanja, tri mjeseca.", "Jednokratna pomoć za kiriju i hranu."),
        "en": ("Vocational training course, three months.", "One-off grant for rent and food."),
    }
)

REFERRAL_DETAILS: Mapping[str, str] = MappingProxyType(
    {
        "bg": "Лицето желае да живее при роднини в техния град; моля, поемете социалната подкрепа.",
        "mk": "Лицето сака да живее кај роднини во вашиот град; ве молиме преземете ја социјалната поддршка.",
        "bs": "Osoba želi živjeti kod rodbine u vašem gradu; molimo preuzmite socijalnu podršku.",
        "en": "The person wishes to live with relatives in your city; please take over the social support.",
    }
)

TRANSFER_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "bg": "Лицето се премести при семейството си и ще се нуждае от подкрепа там.",
        "mk": "Лицето се пресели кај семејството и ќе му треба поддршка таму.",
        "bs": "Osoba se preselila kod porodice i tamo će trebati podršku.",
        "en": "The person moved to their family and will need support there.",
    }
)

ERASURE_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "bg": "Лицето поиска писмено личните му данни да бъдат изтрити след приключване на случая.",
        "mk": "Лицето побара писмено неговите лични податоци да бидат избришани по затворањето на случајот.",
        "bs": "Osoba je pismeno zatražila brisanje svojih ličnih podataka nakon zatvaranja slučaja.",
        "en": "The person asked in writing for their personal data to be erased after the case was closed.",
    }
)

OVERRIDE_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "bg": "Непосредствена опасност за живота: насочване към полицията без съгласие, по решение на ръководителя.",
        "mk": "Непосредна опасност по животот: упатување до полицијата без согласност, по одлука на раководителот.",
        "bs": "Neposredna opasnost po život: upućivanje policiji bez saglasnosti, po odluci rukovodioca.",
        "en": "Immediate danger to life: referred to the police without consent, as the supervisor decided.",
    }
)

# Who asks for a case they may not open, and which: (username, the reference's office).
REFUSED_AS: tuple[tuple[str, str], ...] = (("caseworker.sofia", "SKP"), ("caseworker.sarajevo", "SOF"))
