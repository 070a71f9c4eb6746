"""One way of writing dates per language, everywhere (FORMAT_MODULE_PATH): a day is written in
numbers, day first and padded, as each language writes it (06.12.2025, 06.12.2025.); English
names the month so that neither side of the Atlantic misreads it (06 Dec 2025); times in 24 hours.

Each module sets the long and the short name of a format to the same pattern, so a page that
asks for DATE_FORMAT, SHORT_DATE_FORMAT or nothing at all writes the same date. Month names are
avoided outside English: Django's catalogues capitalise them in Bulgarian, Macedonian and Croatian,
where they are written in lower case. Python code writes dates through pristan.core.dates."""
