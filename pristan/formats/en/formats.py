# Django's English formats are American (12/06/2025 on one page, Dec. 6, 2025 on another).
DATE_FORMAT = SHORT_DATE_FORMAT = "d M Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "d M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "d M"
