# Django's Bulgarian formats leave the date-and-time ones to the American defaults (11/22/2026 3:04 p.m.).
DATETIME_FORMAT = "d F Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
