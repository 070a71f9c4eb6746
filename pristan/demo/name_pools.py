"""Pools of personal names for synthetic persons, in the script each nationality writes in.

Faker supplies Macedonian, Croatian, Romanian, Ukrainian, Slovenian and Hungarian names. Each pool is drawn
once per seed and kept: picking from a tuple costs a fraction of a Faker call, which matters at a
million persons. Drawing (rather than copying Faker's lists) keeps the frequency weights that some
Faker locales carry, so common names stay common.

Four pools are our own lists:

* Serbian (Cyrillic), Bosnian (Latin, with the Muslim names common in Bosnia) and Albanian: Faker
  has no locale for them.
* Bulgarian: Faker's ``bg_BG`` lists are largely humorous inventions ("Вампирска", "Аерозол",
  "Пищовколева"), which would make a demo shown to Bulgarian caseworkers look like a joke. The
  list below keeps real, common names, including the letters that exercise transliteration and
  search folding (Щ, Ж, Ь before О as in Жельо).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from faker import Faker

__all__ = ["FAKER_LOCALES", "NamePool", "build_name_pools", "bulgarian_patronymic", "feminine_bulgarian_surname"]

# Pool key (our language code) -> Faker locale.
FAKER_LOCALES: Mapping[str, str] = MappingProxyType(
    {"mk": "mk_MK", "hr": "hr_HR", "ro": "ro_RO", "uk": "uk_UA", "sl": "sl_SI", "hu": "hu_HU"}
)
# Names drawn per list from a Faker locale; with repeats, which is how frequencies survive.
DRAWS_PER_LIST = 400


@dataclass(frozen=True)
class NamePool:
    female_given: tuple[str, ...]
    male_given: tuple[str, ...]
    female_family: tuple[str, ...]
    male_family: tuple[str, ...]


_BULGARIAN_FEMALE = (
    "Мария", "Иванка", "Елена", "Йорданка", "Пенка", "Даниела", "Десислава", "Цветелина", "Гергана", "Виктория",
    "Николета", "Симона", "Кристина", "Габриела", "Теодора", "Радостина", "Петя", "Антоанета", "Надежда", "Маргарита",
    "Валентина", "Силвия", "Росица", "Здравка", "Снежана", "Веселина", "Стефка", "Катерина", "Милена", "Емилия",
    "Калина", "Ралица", "Деница", "Яна", "Ивана", "Александра", "Михаела", "Борислава", "Станислава", "Юлия",
)  # fmt: skip
_BULGARIAN_MALE = (
    "Георги", "Иван", "Димитър", "Николай", "Петър", "Христо", "Стоян", "Тодор", "Васил", "Александър",
    "Стефан", "Йордан", "Атанас", "Красимир", "Пламен", "Цветан", "Валентин", "Борислав", "Радослав", "Мартин",
    "Кристиян", "Симеон", "Калоян", "Виктор", "Любомир", "Емил", "Даниел", "Антон", "Ангел", "Илия",
    "Асен", "Веселин", "Живко", "Жельо", "Самуил", "Мирослав", "Явор", "Огнян", "Бойко", "Щерьо",
)  # fmt: skip
_BULGARIAN_SURNAMES = (
    "Иванов", "Георгиев", "Димитров", "Петров", "Николов", "Христов", "Стоянов", "Тодоров", "Илиев", "Василев",
    "Атанасов", "Петков", "Ангелов", "Йорданов", "Колев", "Маринов", "Стефанов", "Попов", "Михайлов", "Костов",
    "Кръстев", "Станчев", "Добрев", "Цветков", "Райчев", "Шишков", "Щерев", "Джамбазов", "Йовчев", "Чакъров",
    "Ковачев", "Личев", "Жеков", "Пеев", "Славов", "Янков", "Бонев", "Радев", "Вълчев", "Балабанов",
)  # fmt: skip

_SERBIAN_FEMALE = (
    "Јована", "Милица", "Ана", "Марија", "Јелена", "Драгана", "Ивана", "Сандра", "Тамара", "Невена",
    "Катарина", "Снежана", "Гордана", "Светлана", "Весна", "Биљана", "Љиљана", "Даница", "Теодора", "Софија",
    "Наташа", "Марина", "Тијана", "Александра", "Кристина", "Оливера", "Мирјана", "Бојана", "Сања", "Ђурђина",
    "Зорица", "Јасмина", "Слађана", "Драгица", "Милена", "Душица", "Нада", "Јагода", "Ружица", "Вукица",
)  # fmt: skip
_SERBIAN_MALE = (
    "Никола", "Марко", "Стефан", "Лука", "Милош", "Душан", "Ђорђе", "Немања", "Урош", "Лазар",
    "Алекса", "Вук", "Филип", "Петар", "Јован", "Александар", "Милан", "Драган", "Зоран", "Горан",
    "Дејан", "Небојша", "Бранко", "Саша", "Живко", "Радован", "Мирослав", "Жељко", "Предраг", "Срђан",
    "Владимир", "Бојан", "Дарко", "Ненад", "Слободан", "Драгољуб", "Чедомир", "Богдан", "Вељко", "Љубомир",
)  # fmt: skip
_SERBIAN_SURNAMES = (
    "Јовановић", "Петровић", "Николић", "Марковић", "Ђорђевић", "Стојановић", "Илић", "Станковић", "Павловић", "Милошевић",
    "Поповић", "Костић", "Живковић", "Томић", "Ђурић", "Стефановић", "Радовановић", "Митровић", "Јанковић", "Лазић",
    "Ђокић", "Вуковић", "Симић", "Петковић", "Милетић", "Обрадовић", "Пешић", "Марјановић", "Васић", "Ристић",
    "Бошковић", "Савић", "Матић", "Гавриловић", "Крстић", "Ћирић", "Луковић", "Ћосић", "Џакула", "Шећеровић",
)  # fmt: skip

_BOSNIAN_FEMALE = (
    "Amra", "Lejla", "Amina", "Emina", "Aida", "Selma", "Merima", "Azra", "Belma", "Dženana",
    "Edina", "Elma", "Ajla", "Amela", "Sabina", "Nejra", "Lamija", "Hana", "Medina", "Alma",
    "Jasmina", "Mirela", "Nermina", "Šejla", "Fatima", "Hatidža", "Sanela", "Adna", "Ema", "Melisa",
    "Maja", "Ivana", "Dragana", "Jelena", "Mersiha", "Aldina", "Esma", "Džana", "Vildana", "Zerina",
)  # fmt: skip
_BOSNIAN_MALE = (
    "Edin", "Amar", "Adnan", "Emir", "Haris", "Kenan", "Tarik", "Mirza", "Armin", "Jasmin",
    "Senad", "Nermin", "Samir", "Elvir", "Almir", "Damir", "Dženan", "Harun", "Muhamed", "Ahmed",
    "Hamza", "Faruk", "Benjamin", "Adis", "Eldar", "Sead", "Enes", "Alen", "Ibrahim", "Omer",
    "Kerim", "Nedim", "Safet", "Mustafa", "Zlatan", "Dario", "Marko", "Nikola", "Igor", "Ismet",
)  # fmt: skip
_BOSNIAN_SURNAMES = (
    "Hadžić", "Hodžić", "Begić", "Delić", "Kovačević", "Mehmedović", "Hasanović", "Halilović", "Omerović", "Ibrahimović",
    "Husić", "Mujić", "Alić", "Avdić", "Salihović", "Softić", "Čolić", "Smajić", "Karić", "Mešić",
    "Bešić", "Imamović", "Suljić", "Hrustić", "Džeko", "Šehić", "Mujkić", "Ahmetović", "Osmanović", "Kadrić",
    "Bajrić", "Muratović", "Spahić", "Zukić", "Pašić", "Đulić", "Babić", "Jukić", "Marić", "Tomić",
)  # fmt: skip


# Albanian names as written in Albania and Kosovo (ë and ç included); surnames do not change with gender.
_ALBANIAN_FEMALE = (
    "Arta", "Blerta", "Drita", "Elira", "Fatjona", "Jonida", "Klea", "Lira", "Mimoza", "Rina",
    "Teuta", "Valbona", "Vjosa", "Ardita", "Besa", "Donika", "Erjona", "Flutura", "Gentiana", "Hana",
    "Ilirjana", "Jeta", "Kaltrina", "Liridona", "Marigona", "Nora", "Qëndresa", "Rudina", "Shpresa", "Xhensila",
    "Albana", "Anila", "Brikena", "Dafina", "Edona", "Fjolla", "Greta", "Luljeta", "Mirjeta", "Zana",
)  # fmt: skip
_ALBANIAN_MALE = (
    "Arben", "Artan", "Besnik", "Dritan", "Edmond", "Fatmir", "Gent", "Ilir", "Kastriot", "Luan",
    "Mentor", "Agron", "Arjan", "Bekim", "Driton", "Ermal", "Florian", "Gjergj", "Leutrim", "Shkëlzen",
    "Alban", "Ardian", "Blerim", "Dardan", "Endrit", "Fisnik", "Genc", "Hysen", "Klodian", "Lulzim",
    "Mërgim", "Naim", "Petrit", "Qemal", "Rexhep", "Skënder", "Taulant", "Valon", "Xhevdet", "Ylli",
)  # fmt: skip
_ALBANIAN_SURNAMES = (
    "Hoxha", "Shehu", "Gashi", "Berisha", "Krasniqi", "Kelmendi", "Morina", "Hasani", "Rexhepi", "Dervishi",
    "Leka", "Marku", "Gjoka", "Kola", "Prifti", "Çela", "Dushku", "Bytyçi", "Shala", "Zeka",
    "Basha", "Cani", "Dema", "Duka", "Hysa", "Kastrati", "Lika", "Meta", "Mema", "Ndreu",
    "Osmani", "Pepa", "Qosja", "Ramadani", "Sula", "Tahiri", "Veliu", "Xhafa", "Ymeri", "Zogaj",
)  # fmt: skip


def feminine_bulgarian_surname(surname: str) -> str:
    """Bulgarian surnames agree with gender: Петров → Петрова, Вълчев → Вълчева, Рилски → Рилска."""
    if surname.endswith("ски"):
        return surname[:-1] + "а"
    if surname.endswith(("ов", "ев", "ин")):
        return surname + "а"
    return surname


def bulgarian_patronymic(father: str, *, feminine: bool) -> str:
    """The middle name Bulgarian records derive from the father's given name.

    >>> bulgarian_patronymic("Георги", feminine=False), bulgarian_patronymic("Петър", feminine=True)
    ('Георгиев', 'Петрова')
    """
    if father.endswith("ьо"):  # Жельо → Желев
        stem = father[:-2] + "ев"
    elif father.endswith(("й", "я")):  # Николай → Николаев, Илия → Илиев
        stem = father[:-1] + "ев"
    elif father.endswith("и"):  # Георги → Георгиев
        stem = father + "ев"
    elif father.endswith("ър"):  # Петър → Петров
        stem = father[:-2] + "ров"
    elif father.endswith(("а", "о", "е")):  # Никола → Николов
        stem = father[:-1] + "ов"
    else:  # Иван → Иванов
        stem = father + "ов"
    return feminine_bulgarian_surname(stem) if feminine else stem


def _own_pools() -> dict[str, NamePool]:
    return {
        "bg": NamePool(
            female_given=_BULGARIAN_FEMALE,
            male_given=_BULGARIAN_MALE,
            female_family=tuple(feminine_bulgarian_surname(name) for name in _BULGARIAN_SURNAMES),
            male_family=_BULGARIAN_SURNAMES,
        ),
        # Serbian and Bosnian surnames (-ić) do not change with gender.
        "sr": NamePool(_SERBIAN_FEMALE, _SERBIAN_MALE, _SERBIAN_SURNAMES, _SERBIAN_SURNAMES),
        "bs": NamePool(_BOSNIAN_FEMALE, _BOSNIAN_MALE, _BOSNIAN_SURNAMES, _BOSNIAN_SURNAMES),
        "sq": NamePool(_ALBANIAN_FEMALE, _ALBANIAN_MALE, _ALBANIAN_SURNAMES, _ALBANIAN_SURNAMES),
    }


def _faker_pool(locale: str, seed: int) -> NamePool:
    fake = Faker(locale)
    fake.seed_instance(seed)

    def draw(make: Callable[[], object]) -> tuple[str, ...]:
        return tuple(str(make()) for _ in range(DRAWS_PER_LIST))

    # last_name_female/male fall back to the common list where a locale's surnames do not
    # change with gender (Croatian, Romanian, Slovenian).
    return NamePool(
        female_given=draw(fake.first_name_female),
        male_given=draw(fake.first_name_male),
        female_family=draw(fake.last_name_female),
        male_family=draw(fake.last_name_male),
    )


@lru_cache(maxsize=4)
def build_name_pools(seed: int) -> Mapping[str, NamePool]:
    """The name pools by language code (bg, mk, sr, bs, sq, hr, ro, uk, sl, hu); the same for the same seed.

    Each Faker pool is drawn from a generator of its own, so adding a pool changes no other."""
    pools = _own_pools()
    for key, locale in FAKER_LOCALES.items():
        pools[key] = _faker_pool(locale, seed)
    return MappingProxyType(pools)
