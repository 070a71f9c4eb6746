"""Where synthetic persons come from and where they were exploited: nationalities, cities, routes,
currencies and phone numbers. Plain data; the generator draws from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

__all__ = [
    "BULGARIAN_EURO_FROM",
    "CITIES",
    "DESTINATIONS",
    "EUR_RATES",
    "FOREIGN_ORIGINS",
    "LOCAL_CURRENCY",
    "NATIONALITIES",
    "PHONE_FORMATS",
    "TRANSIT",
    "Nationality",
]


@dataclass(frozen=True)
class Nationality:
    """A citizenship, the name pool and language that go with it, and common second ones."""

    country: str  # ISO 3166-1 alpha-2
    pool: str  # key of pristan.demo.name_pools.build_name_pools()
    language: str  # ISO 639-1
    second_citizenship: str = ""
    second_citizenship_share: float = 0.0
    second_language: str = ""
    second_language_share: float = 0.0


NATIONALITIES: Mapping[str, Nationality] = MappingProxyType(
    {
        "BG": Nationality("BG", "bg", "bg"),
        # Many Macedonians hold Bulgarian passports, Bosnian Croats Croatian ones, Moldovans Romanian ones.
        "MK": Nationality("MK", "mk", "mk", second_citizenship="BG", second_citizenship_share=0.10),
        "RS": Nationality("RS", "sr", "sr"),
        "BA": Nationality("BA", "bs", "bs", second_citizenship="HR", second_citizenship_share=0.08),
        "HR": Nationality("HR", "hr", "hr"),
        "MD": Nationality(
            "MD",
            "ro",
            "ro",
            second_citizenship="RO",
            second_citizenship_share=0.25,
            second_language="ru",
            second_language_share=0.3,
        ),
        "UA": Nationality("UA", "uk", "uk", second_language="ru", second_language_share=0.25),
        "RO": Nationality("RO", "ro", "ro"),
        "SI": Nationality("SI", "sl", "sl"),
        # Persons at offices in their own country only (see FOREIGN_ORIGINS). Montenegrins write
        # Latin; their names are those of the Bosnian pool, Muslim names included (a fifth of them).
        "AL": Nationality("AL", "sq", "sq", second_language="it", second_language_share=0.2),
        "ME": Nationality("ME", "bs", "sr", second_citizenship="RS", second_citizenship_share=0.05),
        "HU": Nationality("HU", "hu", "hu"),
    }
)

# Where the persons of an office abroad come from (the others come from the office's own country):
# the nine countries of the first offices, in their order, so that a seed gives the same persons at
# those offices as before more countries were added. Greece and Türkiye, without a nationality
# here, see only people from these.
FOREIGN_ORIGINS: tuple[str, ...] = ("BG", "MK", "RS", "BA", "HR", "MD", "UA", "RO", "SI")

# Cities of origin, as people there write them.
CITIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "BG": (
            "София",
            "Пловдив",
            "Варна",
            "Бургас",
            "Русе",
            "Стара Загора",
            "Плевен",
            "Сливен",
            "Шумен",
            "Пазарджик",
            "Хасково",
        ),
        "MK": ("Скопје", "Битола", "Куманово", "Прилеп", "Тетово", "Велес", "Штип", "Охрид", "Гостивар", "Струмица"),
        "RS": ("Београд", "Нови Сад", "Ниш", "Крагујевац", "Суботица", "Лесковац", "Нови Пазар", "Врање"),
        "BA": ("Sarajevo", "Banja Luka", "Tuzla", "Zenica", "Mostar", "Bihać", "Brčko", "Bijeljina"),
        "HR": ("Zagreb", "Split", "Rijeka", "Osijek", "Zadar", "Slavonski Brod", "Pula", "Sisak"),
        "MD": ("Chișinău", "Bălți", "Cahul", "Soroca", "Orhei", "Ungheni", "Comrat"),
        "UA": ("Київ", "Одеса", "Харків", "Львів", "Дніпро", "Запоріжжя", "Вінниця", "Чернівці"),
        "RO": ("București", "Iași", "Constanța", "Craiova", "Timișoara", "Brașov", "Galați", "Bacău"),
        "SI": ("Ljubljana", "Maribor", "Celje", "Kranj", "Koper", "Novo mesto"),
        # Transit and destination countries, in English as caseworkers usually record them.
        "DE": ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Dortmund"),
        "AT": ("Vienna", "Graz", "Linz", "Salzburg"),
        "IT": ("Rome", "Milan", "Naples", "Bari", "Turin"),
        "GR": ("Athens", "Thessaloniki", "Patras", "Heraklion"),
        "TR": ("Istanbul", "Antalya", "Izmir"),
        "CY": ("Nicosia", "Limassol", "Larnaca", "Ayia Napa"),
        "NL": ("Amsterdam", "Rotterdam", "The Hague"),
        "GB": ("London", "Birmingham", "Manchester"),
        "RU": ("Moscow", "Saint Petersburg"),
        "AE": ("Dubai", "Abu Dhabi"),
        "ES": ("Madrid", "Barcelona", "Valencia", "Almería"),
        "FR": ("Paris", "Lyon", "Marseille"),
        "BE": ("Brussels", "Antwerp"),
        "PL": ("Warsaw", "Kraków", "Wrocław"),
        "CZ": ("Prague", "Brno"),
        "HU": ("Budapest", "Szeged", "Debrecen", "Miskolc", "Pécs", "Győr", "Nyíregyháza"),
        "SK": ("Bratislava",),
        "ME": ("Podgorica", "Nikšić", "Bijelo Polje", "Bar", "Pljevlja", "Herceg Novi"),
        "AL": ("Tiranë", "Durrës", "Shkodër", "Elbasan", "Vlorë", "Fier", "Korçë", "Berat"),
    }
)

# Countries people of each nationality commonly pass through on the way out.
TRANSIT: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "BG": ("RS", "HU", "AT", "RO", "GR", "TR"),
        "MK": ("RS", "GR", "BG", "AL"),
        "RS": ("HU", "HR", "AT", "BA"),
        "BA": ("HR", "SI", "RS", "ME"),
        "HR": ("SI", "AT"),
        "MD": ("RO", "UA", "HU"),
        "UA": ("PL", "MD", "RO", "HU", "SK"),
        "RO": ("HU", "AT", "BG"),
        "SI": ("AT", "IT"),
        "AL": ("GR", "ME", "MK", "IT"),
        "ME": ("BA", "RS", "HR", "AL"),
        "HU": ("AT", "SK", "RO"),
    }
)

# Country of exploitation by HTCDS type of exploitation; "" means at home (internal trafficking).
DESTINATIONS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "SexualExploitation": {
            "DE": 20, "NL": 8, "AT": 8, "IT": 8, "GR": 8, "CY": 6, "TR": 6, "GB": 6, "AE": 5, "BE": 4, "ES": 4, "FR": 3, "": 14,
        },
        "ForcedLabour": {
            "DE": 18, "AT": 8, "IT": 10, "GB": 8, "RU": 6, "PL": 8, "CZ": 6, "ES": 6, "GR": 6, "NL": 5, "TR": 4, "": 15,
        },
        "ForcedBegging": {"AT": 20, "IT": 15, "DE": 10, "FR": 10, "ES": 10, "GR": 10, "": 25},
        "ForcedMarriage": {"GR": 15, "DE": 10, "TR": 10, "IT": 10, "AT": 5, "CY": 10, "": 40},
        "Servitude": {"DE": 15, "GB": 15, "AE": 15, "CY": 15, "TR": 10, "IT": 10, "": 20},
        "Other": {"DE": 20, "AT": 15, "IT": 15, "GR": 10, "": 40},
    }
)  # fmt: skip

# Currency of costs in each office's country. Bulgaria adopted the euro on 1 January 2026, so
# Bulgarian costs are in leva before that day and in euro from then on (see BULGARIAN_EURO_FROM).
LOCAL_CURRENCY: Mapping[str, str] = MappingProxyType(
    {
        "BG": "BGN", "MK": "MKD", "BA": "BAM", "RS": "RSD", "HR": "EUR", "MD": "MDL", "UA": "UAH", "RO": "RON", "SI": "EUR",
        "AL": "ALL", "ME": "EUR", "HU": "HUF", "GR": "EUR", "TR": "TRY",
    }
)  # fmt: skip
BULGARIAN_EURO_FROM = date(2026, 1, 1)
# Rough units of currency per euro, to turn a plausible euro cost into a plausible local one.
EUR_RATES: Mapping[str, float] = MappingProxyType(
    {
        "EUR": 1.0, "BGN": 1.95583, "MKD": 61.5, "BAM": 1.95583, "RSD": 117.0, "MDL": 19.5, "UAH": 45.0, "RON": 5.0,
        "ALL": 98.0, "HUF": 390.0, "TRY": 45.0,
    }
)  # fmt: skip

# Mobile numbers: a format with one "{}" per group of random digits, and the group lengths.
PHONE_FORMATS: Mapping[str, tuple[str, tuple[int, ...]]] = MappingProxyType(
    {
        "BG": ("+359 8{} {} {}", (1, 3, 4)),
        "MK": ("+389 7{} {} {}", (1, 3, 3)),
        "RS": ("+381 6{} {} {}", (1, 3, 4)),
        "BA": ("+387 6{} {} {}", (1, 3, 3)),
        "HR": ("+385 9{} {} {}", (1, 3, 4)),
        "MD": ("+373 6{} {} {}", (1, 3, 3)),
        "UA": ("+380 6{} {} {}", (1, 3, 4)),
        "RO": ("+40 7{} {} {}", (2, 3, 3)),
        "SI": ("+386 4{} {} {}", (1, 3, 3)),
        "AL": ("+355 6{} {} {}", (1, 3, 4)),
        "ME": ("+382 6{} {} {}", (1, 3, 3)),
        "HU": ("+36 70 {} {}", (3, 4)),
    }
)
