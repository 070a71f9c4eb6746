"""How well, how fast and in how much memory are duplicates found? Synthetic persons with planted
duplicates (pristan/demo/synthetic_persons.py), matched as a file or scanned sealed, and scored
against the truth kept aside.

    .venv/bin/python bench/duplicates.py --persons 10000                       # file mode, threshold 0.8
    .venv/bin/python bench/duplicates.py --persons 100000 --mode sealed
    .venv/bin/python bench/duplicates.py --persons 1000000 --mode sealed --seed 1 --threshold 0.8
    .venv/bin/python bench/duplicates.py --persons 10000 --keep /tmp/dup   # keep PERSONS.csv, truth.csv
    .venv/bin/python bench/duplicates.py --persons 1000000 --mode sealed --reuse /tmp/dup-1m   # write once, scan again

``--mode file`` runs `match_file.link` (what `pristan duplicates match` runs) on the records.
``--mode sealed`` writes the persons sealed into fresh SQLite databases in a temporary directory
(or into the PostgreSQL databases of ``--database-url``/``--keys-url``, which must be empty
scratch databases), each under a data key of her own with her identity document, as the
generator writes them (core/bulk.py), then runs `scan.scan_all` (the nightly scan) and maps the
pairs it stored back to record ids. ``--reuse DIR`` (SQLite only) keeps those databases, their key
file and the generated records in DIR: the first run writes them, a later run with the same
``--persons``, ``--seed`` and ``--share`` scans them again (its earlier pairs and model removed
first) without generating or writing anything.

Both run the matching in a child process, so that its time and memory are its own (not the
generator's): each stage's wall time and peak resident memory (VmHWM, reset between stages through
/proc/self/clear_refs). Then the table: per kind of variation the pairs planted, found and missed,
the wrong pairs touching its records, precision, recall and F1 at the threshold; and the rows
"overall", "cross_script" (the two records in different scripts) and the hard negatives (siblings,
namesakes: their wrong pairs). The figures go to bench/results/duplicates-<mode>-<persons>.json
(``--json`` elsewhere). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scratch_db import REPO, migrate, setup_django

RESULTS = REPO / "bench" / "results"
WRITE_BATCH = 5000


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000, help="distinct persons (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--share", type=float, default=0.1, help="share of persons registered twice (default 0.1)")
    parser.add_argument("--threshold", type=float, help="probability a pair needs (default PRISTAN_DUPLICATES_PROPOSE)")
    parser.add_argument("--mode", choices=("file", "sealed"), default="file")
    parser.add_argument("--database-url", help="sealed mode: an empty scratch PostgreSQL database; needs --keys-url")
    parser.add_argument("--keys-url", help="the key store's empty scratch PostgreSQL database")
    parser.add_argument("--json", type=Path, help="where to write the figures (default bench/results/...)")
    parser.add_argument("--keep", type=Path, help="also write PERSONS.csv and truth.csv into this directory")
    parser.add_argument("--reuse", type=Path, help="sealed mode, SQLite: keep the databases written here, scan them again")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the matching process's work directory
    args = parser.parse_args(argv)
    if bool(args.database_url) != bool(args.keys_url):
        parser.error("--database-url and --keys-url go together")
    if args.reuse and (args.mode != "sealed" or args.database_url):
        parser.error("--reuse is for --mode sealed on SQLite")
    return args


# --- Memory, per stage ---------------------------------------------------------------------------


def _peak_mib() -> float:
    """The process's peak resident memory since the last reset (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    # "5" resets VmHWM to the current resident size (Linux 4.0 and later).
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the scan's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def _stage(stages: dict[str, dict[str, float]], name: str) -> Iterator[None]:
    _reset_peak()
    started, cpu = time.perf_counter(), _cpu_seconds()
    yield
    stages[name] = {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu, 2),
        "peak_mib": round(_peak_mib(), 1),
    }


# --- In the child: the matching ------------------------------------------------------------------


def _child(args: argparse.Namespace) -> None:
    work: Path = args.child
    setup_django(work, args.database_url or "", args.keys_url or "")
    from django.conf import settings

    threshold = args.threshold if args.threshold is not None else settings.PRISTAN_DUPLICATES_PROPOSE
    stages: dict[str, dict[str, float]] = {}
    pairs = _match_file(work, threshold, stages) if args.mode == "file" else _scan(stages)
    (work / "found.json").write_text(json.dumps({"stages": stages, "pairs": pairs, "threshold": threshold}))


def _match_file(work: Path, threshold: float, stages: dict[str, dict[str, float]]) -> list[list[Any]]:
    from pristan.duplicates import matching

    with _stage(stages, "load"):
        records = pickle.loads((work / "records.pickle").read_bytes())  # noqa: S301 - written by our parent
    with _stage(stages, "fold"):
        table = matching.records_table((index, data) for index, (_record_id, data) in enumerate(records))
    with _stage(stages, "train"):
        model = matching.train(table)
    with _stage(stages, "predict"):
        found = list(matching.predict(table, model, threshold=threshold))
    return [[records[pair.a][0], records[pair.b][0], pair.probability] for pair in found]


def _scan(stages: dict[str, dict[str, float]]) -> list[list[Any]]:
    from pristan.duplicates import scan
    from pristan.duplicates.models import CandidatePair

    # The scan records ru_maxrss, the peak of the whole process so far; its stages are wrapped here
    # to reset the peak before each, so that each stage's figure is its own.
    original = scan._stage

    @contextmanager
    def stage(result: Any, name: str) -> Iterator[None]:
        with original(result, name), _stage(stages, name):
            yield

    scan._stage = stage
    started = time.perf_counter()
    scan.scan_all()
    peak = max((figure["peak_mib"] for figure in stages.values()), default=0.0)
    cpu = sum(figure["cpu_seconds"] for figure in stages.values())
    stages["scan"] = {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(cpu, 2), "peak_mib": peak}
    # The extract's workers (processes of their own, ended with it): the largest one's peak.
    stages["scan"]["workers_peak_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    ids = json.loads(Path(os.environ["BENCH_RECORD_IDS"]).read_text())
    stored = CandidatePair.objects.filter(found_by=CandidatePair.FoundBy.SCAN)
    return [
        [ids[str(a)], ids[str(b)], probability]
        for a, b, probability in stored.values_list("person_a_id", "person_b_id", "probability").iterator()
    ]


# --- In the parent: data, writing, scoring ---------------------------------------------------------


def _write_sealed(synthetic: Any, work: Path) -> tuple[float, dict[int, str]]:
    """The persons sealed into the scratch databases, as the generator writes them; returns the
    seconds taken and the record id of each person id."""
    from django.db import DEFAULT_DB_ALIAS, connections, transaction
    from django.utils import timezone

    from pristan.core.bulk import IdBlock, SealingKey, Table
    from pristan.demo.generate import derive_names
    from pristan.demo.synthetic_persons import OFFICES
    from pristan.demo.world import OFFICE_SPECS, ensure_world
    from pristan.keystore.models import DataKey
    from pristan.keystore.router import KEYS_DB
    from pristan.keystore.services import wrapped_rows
    from pristan.people.models import IdentityDocument, Person

    started = time.perf_counter()
    with transaction.atomic():
        world = ensure_world(len(OFFICES), [spec for spec in OFFICE_SPECS if spec.code in OFFICES])
    office_ids = {context.office.code: context.office.pk for context in world.offices}
    db, keys_db = connections[DEFAULT_DB_ALIAS], connections[KEYS_DB]
    record_of: dict[int, str] = {}
    now = timezone.now()
    records = synthetic.records
    for start in range(0, len(records), WRITE_BATCH):
        batch = records[start : start + WRITE_BATCH]
        with transaction.atomic(), transaction.atomic(using=KEYS_DB):
            keys, persons = Table(DataKey, keys_db, with_id=True), Table(Person, db, with_id=True)
            documents = Table(IdentityDocument, db, with_id=False)
            ids = IdBlock(Person, db)
            ids.reserve(len(batch))
            for (record_id, data, office), (key_id, data_key, row) in zip(batch, wrapped_rows(len(batch)), strict=True):
                keys.add(None, id=key_id, master_key_id=row.master_key_id, wrapped=row.wrapped, created_at=now)
                key, person_id = SealingKey(key_id, data_key), ids.take()
                record_of[person_id] = record_id
                persons.add(
                    key,
                    id=person_id,
                    office_id=office_ids[office],
                    key_id=key_id,
                    given_name=data.given_name,
                    family_name=data.family_name,
                    name_latin=derive_names(data.given_name, data.family_name),
                    gender=data.gender,
                    date_of_birth=data.date_of_birth,
                    date_of_birth_estimated=data.date_of_birth_estimated,
                    citizenships=list(data.citizenships),
                    created_at=now,
                )
                for number in data.document_numbers:
                    documents.add(
                        key, person_id=person_id, kind=IdentityDocument.Kind.PASSPORT, number=number, issuing_country=number[:2]
                    )
            for table in (keys, persons, documents):
                table.write()
    (work / "record_ids.json").write_text(json.dumps(record_of))
    return time.perf_counter() - started, record_of


def _table(scores: dict[str, Any], planted: dict[str, int]) -> list[dict[str, Any]]:
    from pristan.demo.synthetic_persons import KINDS, NEGATIVE_KINDS

    names = [kind for kind in KINDS if kind in scores]
    names += ["overall", "cross_script"]
    names += [f"negative:{kind}" for kind in NEGATIVE_KINDS if f"negative:{kind}" in scores]
    rows = []
    for name in names:
        score = scores[name]
        negative = name.startswith("negative:")
        rows.append(
            {
                "row": name,
                "planted": planted.get(name, 0),
                "found": score.true_positives,
                "missed": score.false_negatives,
                "wrong": score.false_positives,
                "precision": None if negative else round(score.precision, 4),
                "recall": None if negative else round(score.recall, 4),
                "f1": None if negative else round(score.f1, 4),
            }
        )
    return rows


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'kind':28} {'planted':>7} {'found':>6} {'missed':>6} {'wrong':>6} {'P':>6} {'R':>6} {'F1':>6}")
    for row in rows:
        figures = " ".join(f"{'' if row[k] is None else format(row[k], '.3f'):>6}" for k in ("precision", "recall", "f1"))
        print(f"{row['row']:28} {row['planted']:>7} {row['found']:>6} {row['missed']:>6} {row['wrong']:>6} {figures}")


@contextmanager
def _work_directory(reuse: Path | None) -> Iterator[Path]:
    """``reuse`` (created if missing), or a temporary directory removed afterwards."""
    if reuse is not None:
        reuse.mkdir(parents=True, exist_ok=True)
        yield reuse.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="bench-duplicates-") as temporary:
        yield Path(temporary)


def _identity(args: argparse.Namespace) -> dict[str, Any]:
    return {"persons": args.persons, "seed": args.seed, "share": args.share}


def _written(args: argparse.Namespace) -> Any:
    """The synthetic records an earlier run wrote into ``--reuse``'s databases, or None."""
    if args.reuse is None or not (args.reuse / "written.json").exists():
        return None
    identity = json.loads((args.reuse / "written.json").read_text())
    if identity != _identity(args):
        sys.exit(f"{args.reuse} holds another run's databases ({identity}); remove it or give the same arguments")
    return pickle.loads((args.reuse / "synthetic.pickle").read_bytes())  # noqa: S301 - written by an earlier run of ours


def _forget_scans() -> None:
    """An earlier scan's pairs and model, so that the scan starts as on the first run (and trains)."""
    from pristan.duplicates.models import CandidatePair, MatchModel

    CandidatePair.objects.all().delete()
    MatchModel.objects.all().delete()


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    if args.child:
        _child(args)
        return
    with _work_directory(args.reuse) as work:
        setup_django(work, args.database_url or "", args.keys_url or "")
        from django.conf import settings

        from pristan.demo.synthetic_persons import evaluate, generate, write_csv

        threshold = args.threshold if args.threshold is not None else settings.PRISTAN_DUPLICATES_PROPOSE
        started = time.perf_counter()
        synthetic = _written(args) or generate(persons=args.persons, seed=args.seed, duplicate_share=args.share)
        figures: dict[str, Any] = {"generate_seconds": round(time.perf_counter() - started, 1)}
        print(
            f"{len(synthetic.records):,} records of {args.persons:,} persons, {len(synthetic.truth):,} planted pairs, "
            f"{len(synthetic.negatives):,} hard negatives ({figures['generate_seconds']} s)"
        )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            write_csv(synthetic, args.keep / "PERSONS.csv", args.keep / "truth.csv")
        environment = dict(os.environ)
        if args.mode == "file":
            (work / "records.pickle").write_bytes(pickle.dumps([(record_id, data) for record_id, data, _o in synthetic.records]))
        elif (work / "written.json").exists():
            _forget_scans()
            print(f"reusing the databases written in {work}")
            environment["BENCH_RECORD_IDS"] = str(work / "record_ids.json")
        else:
            migrate()
            seconds, _ids = _write_sealed(synthetic, work)
            figures["write_seconds"] = round(seconds, 1)
            print(f"written sealed in {seconds:.1f} s")
            environment["BENCH_RECORD_IDS"] = str(work / "record_ids.json")
            if args.reuse:
                (work / "synthetic.pickle").write_bytes(pickle.dumps(synthetic, protocol=pickle.HIGHEST_PROTOCOL))
                (work / "written.json").write_text(json.dumps(_identity(args)))
        environment["PRISTAN_DUPLICATES_PROPOSE"] = str(threshold)
        command = [sys.executable, __file__, "--mode", args.mode, "--threshold", str(threshold), "--child", str(work)]
        if args.database_url:
            command += ["--database-url", args.database_url, "--keys-url", args.keys_url]
        started = time.perf_counter()
        subprocess.run(command, check=True, env=environment)
        figures["match_seconds"] = round(time.perf_counter() - started, 1)
        found = json.loads((work / "found.json").read_text())

    print(f"\n{'stage':10} {'seconds':>8} {'CPU s':>8} {'peak MiB':>9}")
    for name, stage in found["stages"].items():
        print(f"{name:10} {stage['seconds']:>8.1f} {stage.get('cpu_seconds', 0.0):>8.1f} {stage['peak_mib']:>9.0f}")
    workers = found["stages"].get("scan", {}).get("workers_peak_mib")
    if workers:
        print(f"(the extract's workers: each at most {workers:.0f} MiB; CPU: the stage's process and its workers)")
    pairs = [(a, b) for a, b, _probability in found["pairs"]]
    scores = evaluate(synthetic, pairs)
    planted: dict[str, int] = {}
    for _a, _b, kind in synthetic.truth:
        planted[kind] = planted.get(kind, 0) + 1
    planted["overall"] = len(synthetic.truth)
    planted["cross_script"] = scores["cross_script"].true_positives + scores["cross_script"].false_negatives
    for _a, _b, kind in synthetic.negatives:
        planted[f"negative:{kind}"] = planted.get(f"negative:{kind}", 0) + 1
    rows = _table(scores, planted)
    print(f"\nthreshold {found['threshold']}, {len(pairs):,} pairs found")
    _print_table(rows)
    result = {
        "name": "duplicates",
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mode": args.mode,
        "engine": "postgresql" if args.database_url else "sqlite",
        "persons": args.persons,
        "records": len(synthetic.records),
        "seed": args.seed,
        "share": args.share,
        "threshold": found["threshold"],
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(load, 2) for load in os.getloadavg()],
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "seconds": figures,
        "stages": found["stages"],
        "pairs_found": len(pairs),
        "table": rows,
    }
    target = args.json or RESULTS / f"duplicates-{args.mode}-{args.persons}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {target}")


if __name__ == "__main__":
    main()
