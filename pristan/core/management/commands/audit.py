"""`pristan audit verify`: prove that the audit trail is the one Pristan wrote.

It first chains the entries recorded without waiting for the chain (reads and refusals: see
pristan.core.audit, "the intake"), then walks the chain, then checks each entry still unchained
(recorded meanwhile, or refused by the chaining because it does not match its own hash), then
compares the chain with its witnesses outside the case database (pristan.core.audit_witness): the
key store's and the witness file's. A missing or unreadable witness file is reported, not fatal.

`pristan audit guard` installs the database triggers that keep the trail append-only again, for
instance after a migration rebuilt the table on SQLite.
"""

from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_stubs_ext import StrOrPromise

from pristan.core.audit import (
    HASHED_FIELDS,
    INTAKE_KEY_SALT,
    append_only_guard_installed,
    audit_chain_pending,
    hash_matches,
    install_append_only_guard,
)
from pristan.core.audit_witness import (
    TABLE,
    Witness,
    WitnessMismatch,
    install_witness_guard,
    witness_guard_present,
    witnesses_read,
    witnesses_verify,
)
from pristan.core.models import AuditChainHead, AuditEntry
from pristan.keystore.router import KEYS_DB

HELP = gettext_lazy("Check the audit trail, or protect it again.")
VERIFY_HELP = gettext_lazy(
    "Recompute the hash of every audit entry, in order, and report the first entry that was altered, removed or inserted."
)
GUARD_HELP = gettext_lazy("Install the database triggers that keep the audit trail append-only.")
BATCH_HELP = gettext_lazy("How many entries to read at a time (default: %(default)s).")
COLUMNS = ("id", "hash", *HASHED_FIELDS)


class ChainBroken(Exception):
    """The first problem found, as a sentence for the person running the check."""


class Command(BaseCommand):
    help_text: StrOrPromise = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.help_text)  # translated when the parser is built, not when imported
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{verify,guard}")
        verify = actions.add_parser("verify", help=str(VERIFY_HELP), description=str(VERIFY_HELP))
        verify.add_argument("--batch-size", type=int, default=2000, metavar="N", help=str(BATCH_HELP))
        verify.add_argument("--database", default=DEFAULT_DB_ALIAS)
        guard = actions.add_parser("guard", help=str(GUARD_HELP), description=str(GUARD_HELP))
        guard.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, action: str, database: str, **options: Any) -> None:
        if action == "guard":
            with transaction.atomic(using=database):
                install_append_only_guard(connections[database])
            keys = connections[KEYS_DB]
            if database == DEFAULT_DB_ALIAS and TABLE in keys.introspection.table_names():  # the witnesses' table too
                with transaction.atomic(using=KEYS_DB):
                    install_witness_guard(connections[KEYS_DB])
            self.stdout.write(self.style.SUCCESS(_("The audit trail is append-only again.")))
            return
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError(_("The batch size must be at least 1."))
        warnings: list[str] = []
        try:
            audit_chain_pending(using=database)  # also witnesses the head, if no witness has it yet
            witnesses = self._witnesses(database, warnings.append)
            count, last = verify_chain(database=database, batch_size=batch_size)
            unchained = verify_unchained(database=database, batch_size=batch_size)
            newest = witnesses_verify(witnesses, head=last[0] if last else 0, database=database)
        except (ChainBroken, WitnessMismatch) as problem:
            raise CommandError(str(problem), returncode=1) from None
        finally:
            for warning in warnings:
                self.stderr.write(self.style.WARNING(warning))
        if not append_only_guard_installed(connections[database]):
            raise CommandError(
                _(
                    "The audit trail is intact, but the database no longer refuses changes to it: "
                    "the append-only triggers are missing or disabled. Run `pristan audit guard`."
                ),
                returncode=1,
            )
        message = ngettext("Audit trail intact: %(count)d entry.", "Audit trail intact: %(count)d entries.", count)
        self.stdout.write(self.style.SUCCESS(message % {"count": count}))
        if last is not None:
            self.stdout.write(_("Last entry: %(sequence)d, hash %(hash)s.") % {"sequence": last[0], "hash": last[1]})
        if newest is not None:
            self.stdout.write(
                _("Anchored: entry %(sequence)d, witnessed at %(at)s outside the case database, is in the chain.")
                % {"sequence": newest.sequence, "at": newest.when}
            )
        if unchained:
            message = ngettext(
                "%(count)d entry recorded since is not chained yet; it matches its own hash.",
                "%(count)d entries recorded since are not chained yet; each matches its own hash.",
                unchained,
            )
            self.stdout.write(message % {"count": unchained})

    @staticmethod
    def _witnesses(database: str, warn: Callable[[str], None]) -> list[Witness]:
        """The witnesses outside the case database (pristan.core.audit_witness): read before the chain,
        so that each describes a head that had committed before the head is read."""
        if database != DEFAULT_DB_ALIAS:  # they witness the case database's chain only
            return []
        keys = connections[KEYS_DB]
        if TABLE in keys.introspection.table_names() and not witness_guard_present(keys):
            warn(_("The key store no longer refuses changes to the audit witnesses: run `pristan audit guard`."))
        trail_empty = not AuditEntry.objects.using(database).exists()
        return witnesses_read(warn, trail_empty=trail_empty)


def _entries_after(database: str, sequence: int, entry_id: int, batch_size: int) -> Iterator[dict[str, Any]]:
    """Entries in chain order after (sequence, id), a batch at a time: constant memory, no long-lived
    cursor, and each batch an index range scan however long the trail."""
    entries = AuditEntry.objects.using(database).order_by("sequence", "id").values(*COLUMNS)
    while True:
        yield from entries.filter(sequence=sequence, id__gt=entry_id)  # a repeated sequence number, if any
        batch = list(entries.filter(sequence__gt=sequence)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        sequence, entry_id = batch[-1]["sequence"], batch[-1]["id"]


def verify_chain(*, database: str = DEFAULT_DB_ALIAS, batch_size: int = 2000) -> tuple[int, tuple[int, str] | None]:
    """Walk the chain; return how many entries it holds and the (sequence, hash) of the last one,
    or raise ChainBroken naming the first entry that is not what Pristan wrote."""
    count, sequence, entry_id, prev_hash = 0, 0, 0, AuditEntry.GENESIS_HASH
    while True:
        for entry in _entries_after(database, sequence, entry_id, batch_size):
            _check_link(entry, sequence, prev_hash)
            count, sequence, entry_id, prev_hash = count + 1, entry["sequence"], entry["id"], entry["hash"]
        # Read after the walk: an append commits its entry and the head together, so the head is never
        # behind an entry already read. If it is ahead, entries were appended meanwhile: walk on.
        head = AuditChainHead.objects.using(database).filter(pk=1).first()
        if head is None:
            if count:
                raise ChainBroken(_("The chain head is missing: it was deleted, and with it the record of the last entry."))
            return 0, None
        if head.sequence > sequence:
            if next(_entries_after(database, sequence, entry_id, 1), None) is not None:
                continue
            raise ChainBroken(
                _(
                    "The trail ends at entry %(last)d, but the chain head records entry %(head)d: "
                    "entries were removed from the end."
                )
                % {"last": sequence, "head": head.sequence}
            )
        if head.sequence < sequence:  # cannot happen through audit_record
            beyond = AuditEntry.objects.using(database).filter(sequence__gt=head.sequence).order_by("sequence", "id").first()
            assert beyond is not None
            raise ChainBroken(
                _("Entry %(sequence)d (id %(id)d) lies beyond the chain head: it was added without passing through Pristan.")
                % {"sequence": beyond.sequence, "id": beyond.id}
            )
        if head.hash != prev_hash:
            raise ChainBroken(
                _(
                    "The last entry, %(sequence)d (id %(id)d), does not match the chain head: "
                    "it was replaced, or the head was changed."
                )
                % {"sequence": sequence, "id": entry_id}
            )
        return count, ((sequence, prev_hash) if count else None)


def _check_link(entry: dict[str, Any], previous: int, prev_hash: str) -> None:
    """Raise ChainBroken if `entry` does not follow the entry `previous` whose hash is `prev_hash`."""
    names = {"sequence": entry["sequence"], "id": entry["id"], "previous": previous, "missing": previous + 1}
    if entry["sequence"] <= previous:
        raise ChainBroken(_("Entry %(sequence)d (id %(id)d) was inserted: its sequence number is already taken.") % names)
    if entry["sequence"] > previous + 1:
        if previous == 0:
            raise ChainBroken(_("Entry %(missing)d is missing: the trail starts at entry %(sequence)d (id %(id)d).") % names)
        raise ChainBroken(_("Entry %(missing)d is missing: entry %(sequence)d (id %(id)d) follows entry %(previous)d.") % names)
    if not hash_matches(entry, entry["hash"]):
        raise ChainBroken(
            _("Entry %(sequence)d (id %(id)d) does not match its hash: it was altered, or written without the key.") % names
        )
    if entry["prev_hash"] != prev_hash:
        raise ChainBroken(
            _("Entry %(sequence)d (id %(id)d) does not follow the entry before it: an entry was replaced or inserted before it.")
            % names
        )


def verify_unchained(*, database: str = DEFAULT_DB_ALIAS, batch_size: int = 2000) -> int:
    """Check each entry not yet chained against its own HMAC; return how many there are, or raise
    ChainBroken naming the first that is not what Pristan wrote (altered, forged, or a copy)."""
    count, entry_id = 0, 0
    entries = AuditEntry.objects.using(database).filter(sequence__isnull=True).order_by("id").values(*COLUMNS)
    while True:
        batch = list(entries.filter(id__gt=entry_id)[:batch_size])
        for entry in batch:
            if not hash_matches(entry, entry["hash"], salt=INTAKE_KEY_SALT, sequence=entry["id"]):
                raise ChainBroken(
                    _(
                        "Entry id %(id)d, not chained yet, does not match its own hash: it was altered, "
                        "written without the key, or copied from another entry."
                    )
                    % {"id": entry["id"]}
                )
        count += len(batch)
        if len(batch) < batch_size:
            return count
        entry_id = batch[-1]["id"]
