"""What other parts of Pristan may hook into.

`person_erased` is sent when a person's data is erased, inside the transaction that erases it,
with `person` (now marked erased) and `actor` (None when retention erased them). A part of Pristan
that seals data concerning the person under a key other than theirs (a group movement's notes)
empties it here, in the same transaction, once nobody it concerns is left.
"""

from django.dispatch import Signal

person_erased = Signal()
