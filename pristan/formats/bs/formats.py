# Django's Bosnian formats write short dates year first (2026 Nov. 22) and times the American way.
DATE_FORMAT = "j. N Y."
SHORT_DATE_FORMAT = "j.m.Y."
DATETIME_FORMAT = "j. N Y. H:i"
SHORT_DATETIME_FORMAT = "j.m.Y. H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%d.%m.%Y.", "%d.%m.%Y", "%Y-%m-%d"]
