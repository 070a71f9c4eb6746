"""What other parts of Pristan may hook into.

`movement_arrived` is sent when a movement's arrival is confirmed, inside the transaction that
records it, with `movement` (its `receiving_office` and `receiving_partner` say who took the
travellers over) and `actor` (who confirmed it). A receiver that writes — handing the travellers'
cases over to the receiving office, for instance — is committed or rolled back with the arrival,
and its audit entries belong to the same transaction.
"""

from django.dispatch import Signal

movement_arrived = Signal()
