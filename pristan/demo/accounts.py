"""The demo world: three offices, one account per role, and generated cases shared among them.

Used by `pristan demo`; the account list is a constant so that tests and documentation can use it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from pristan.cases.models import Case, Stage, Task
from pristan.core.models import Office, Role
from pristan.demo import texts
from pristan.demo.world import OFFICE_SPECS, ensure_member, ensure_office, ensure_operator
from pristan.keystore.services import key_scope

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_CASES",
    "DEMO_OFFICES",
    "DEMO_PASSWORD",
    "DEMO_SEED",
    "DemoAccount",
    "ensure_demo_accounts",
    "ensure_demo_offices",
    "share_demo_cases",
]

# Published on purpose: these accounts exist only in demo databases, and people must be able to log in.
DEMO_PASSWORD = "pristan-demo-2026"  # noqa: S105 - published demo password, demo offices only # nosec B105
DEMO_CASES = 300
DEMO_SEED = 2026
DEMO_OFFICES = ("SOF", "SKP", "SJJ")  # the first three of OFFICE_SPECS, so `generate --offices 3` fills them
# Days from today on which each demo worker's extra open tasks fall due: two are overdue.
DEMO_TASK_DAYS = (-5, -2, 1, 3, 7)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # core.models.Role
    office: str  # office code
    first_name: str
    last_name: str
    child_clearance: bool = True
    password: str = DEMO_PASSWORD


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("caseworker.sofia", Role.CASEWORKER, "SOF", "Радостина", "Иванова"),
    DemoAccount("supervisor.sofia", Role.SUPERVISOR, "SOF", "Георги", "Димитров"),
    DemoAccount("admin.sofia", Role.OFFICE_ADMIN, "SOF", "Елена", "Маринова"),
    DemoAccount("caseworker.skopje", Role.CASEWORKER, "SKP", "Марија", "Стојановска"),
    # Without child-protection clearance: the children's cases of Sarajevo do not exist for her.
    DemoAccount("caseworker.sarajevo", Role.CASEWORKER, "SJJ", "Amra", "Hadžić", child_clearance=False),
    DemoAccount("supervisor.sarajevo", Role.SUPERVISOR, "SJJ", "Edin", "Begić"),
    DemoAccount("movement.sofia", Role.MOVEMENT_OFFICER, "SOF", "Николай", "Стоянов"),
    DemoAccount("focalpoint.sofia", Role.FOCAL_POINT, "SOF", "Десислава", "Петрова"),
    DemoAccount("auditor.sofia", Role.AUDITOR, "SOF", "Петър", "Колев"),
    DemoAccount("analyst.sofia", Role.ANALYST, "SOF", "Мила", "Тодорова"),
    DemoAccount("sysadmin.sofia", Role.SYSTEM_ADMIN, "SOF", "Иво", "Ангелов"),
)


def ensure_demo_offices() -> dict[str, Office]:
    """The demo offices by code, created through the generator's own office helper if missing."""
    operator = ensure_operator()
    return {spec.code: ensure_office(spec, operator) for spec in OFFICE_SPECS if spec.code in DEMO_OFFICES}


def ensure_demo_accounts(offices: dict[str, Office]) -> dict[str, User]:
    """The demo users by username; existing ones keep their password and names."""
    return {
        account.username: ensure_member(
            offices[account.office],
            username=account.username,
            role=account.role,
            first_name=account.first_name,
            last_name=account.last_name,
            password=account.password,
            child_clearance=account.child_clearance,
        )
        for account in DEMO_ACCOUNTS
    }


def _case_workers_by_office(users: dict[str, User]) -> dict[str, list[User]]:
    """Per office, the demo users who can own cases (caseworkers and supervisors), in list order."""
    owners: dict[str, list[User]] = defaultdict(list)
    for account in DEMO_ACCOUNTS:
        if account.role in (Role.CASEWORKER, Role.SUPERVISOR):
            owners[account.office].append(users[account.username])
    return owners


def _add_open_tasks(owner: User, office: Office) -> None:
    """A few open tasks on the owner's open cases, so "My tasks" shows due and overdue work."""
    today = timezone.localdate()
    open_cases = Case.objects.filter(owner=owner).exclude(stage=Stage.CLOSED).select_related("person")  # whose key seals titles
    cases = list(open_cases.order_by("-opened_on", "id")[: len(DEMO_TASK_DAYS)])
    titles = texts.localised(texts.TASK_TITLES, next((s.language for s in OFFICE_SPECS if s.code == office.code), "en"))
    Task.objects.bulk_create(
        Task(case=case, title=titles[index % len(titles)], due_on=today + timedelta(days=days), assignee=owner, created_by=owner)
        for index, (case, days) in enumerate(zip(cases, DEMO_TASK_DAYS, strict=False))
    )


def share_demo_cases(offices: dict[str, Office], users: dict[str, User]) -> None:
    """Give each office's cases, round-robin, to its demo caseworkers and supervisors, with their open tasks.

    Generated cases belong to the generator's own account, which nobody logs in as; without this
    the demo accounts would start with empty "My cases" pages.
    """
    with key_scope():  # the new tasks' titles are sealed: each person's key is fetched once
        for code, owners in _case_workers_by_office(users).items():
            case_ids = list(Case.objects.filter(office=offices[code]).order_by("id").values_list("id", flat=True))
            for turn, owner in enumerate(owners):
                mine = case_ids[turn :: len(owners)]
                Case.objects.filter(pk__in=mine).update(owner=owner)
                Task.objects.filter(case_id__in=mine, done_at__isnull=True).update(assignee=owner)
                _add_open_tasks(owner, offices[code])
