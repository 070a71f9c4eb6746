"""The research page's preview from counts a job keeps (counts.py): the same report as counting in
the request, a page that never reads the cases, one count per user at a time, and counts kept only
while their user may make research data."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from pristan.core.models import AuditEntry, Office, Role
from pristan.core.services import membership_grant, membership_revoke
from pristan.demo.generate import generate
from pristan.erasure.signals import person_erased
from pristan.research import counts, services
from pristan.research.anonymity import AnonymityReport
from pristan.research.models import ResearchCounts
from pristan.research.tasks import research_counts_task

pytestmark = pytest.mark.django_db
URL = reverse("research_export")
PREVIEW = reverse("research_preview")
COUNT = reverse("research_count")
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue_held(settings):
    """Jobs wait in the queue (django_tasks' dummy backend) until the test runs them."""
    settings.TASKS = DUMMY
    default_task_backend.clear()  # type: ignore[attr-defined]
    return default_task_backend


def _run_waiting(backend) -> None:
    for result in list(backend.results):
        research_counts_task.call(*result.args, **result.kwargs)
    backend.clear()


def test_the_stored_preview_is_the_preview_counted_in_the_request(django_user_model):
    generate(cases=300, offices=2, seed=11, progress=False)
    analyst = django_user_model.objects.create_user("lidia")
    membership_grant(actor=None, user=analyst, office=Office.objects.order_by("pk")[0], role=Role.ANALYST, child_clearance=True)
    row = counts.research_counts_start(actor=analyst)  # the job runs at once (the tests' immediate backend)
    assert row.computed_at is not None
    assert not counts.is_counting(row)
    assert row.cases == services.ctdc_preview(actor=analyst, k=5).considered > 10
    row = ResearchCounts.objects.get(actor=analyst)  # as the page reads it: through JSON
    stored: dict[int, AnonymityReport | None] = {}
    for k in (5, 11, 25, 40, 200):
        if k not in counts.PRESET_K:  # decided by the job when asked for
            assert counts.research_counts_preview(row=row, k=k) is None
            row = counts.research_counts_start(actor=analyst, k=k)
        stored[k] = counts.research_counts_preview(row=row, k=k)
        assert stored[k] == services.ctdc_preview(actor=analyst, k=k), k
    assert row.cases == sum(number for _values, number in ResearchCounts.objects.get(actor=analyst).counts)
    assert stored[5] is not None
    assert stored[5].generalised_records > 0  # the data exercises generalisation
    assert stored[200] is not None
    assert stored[200].suppressed == row.cases  # and suppression


def _page_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"k": 5})
    assert response.status_code == 200
    assert response.context["report"] is not None
    return [query["sql"] for query in captured.captured_queries]


def test_the_page_reads_no_case_whatever_their_number(victim, analyst, client_of):
    client = client_of(analyst)
    victim()
    counts.research_counts_start(actor=analyst)
    few = _page_queries(client)
    for _ in range(8):
        victim()
    counts.research_counts_start(actor=analyst, recount=True)
    many = _page_queries(client)
    assert client.get(URL, {"k": 5}).context["report"].considered == 9
    assert len(few) == len(many) <= 12
    assert not [sql for sql in many if "cases_case" in sql or "people_person" in sql]


def test_without_counts_the_page_asks_a_worker_and_polls_until_they_are_there(victim, analyst, client_of, queue_held):
    for _ in range(6):
        victim()
    client = client_of(analyst)
    page = client.get(URL, {"k": 5})
    assert page.context["counting"]
    assert page.context["report"] is None
    assert 'data-testid="research-counting"' in page.content.decode()
    assert f'hx-get="{PREVIEW}?k=5"' in page.content.decode()
    assert len(queue_held.results) == 1
    client.get(URL, {"k": 5})  # asked again while counting: still one job
    assert client.post(COUNT, {"k": 5}).status_code == 302
    assert len(queue_held.results) == 1
    polled = client.get(PREVIEW, {"k": 5})
    assert "research-counting" in polled.content.decode()
    _run_waiting(queue_held)
    polled = client.get(PREVIEW, {"k": 5})
    content = polled.content.decode()
    assert polled.context["report"].published == 6
    assert "hx-get" not in content  # the poll stops with the preview
    assert 'data-testid="research-counted"' in content
    assert "6 cases" in content


def test_counting_again_is_asked_by_post_and_returns_to_the_same_k(victim, analyst, client_of, queue_held):
    victim()
    client = client_of(analyst)
    client.get(URL)
    _run_waiting(queue_held)
    victim()
    assert client.get(URL, {"k": 5}).context["report"].considered == 1  # the counts as they were
    response = client.post(COUNT, {"k": 5})
    assert response.url == f"{URL}?k=5"
    assert client.get(response.url).context["counting"]
    _run_waiting(queue_held)
    assert client.get(URL, {"k": 5}).context["report"].considered == 2


def test_a_k_not_decided_yet_is_asked_of_the_job_and_then_shown(victim, analyst, client_of, queue_held):
    for _ in range(3):
        victim()
    client = client_of(analyst)
    client.get(URL)
    _run_waiting(queue_held)
    assert 37 not in counts.PRESET_K
    page = client.get(URL, {"k": 37})
    assert page.context["counting"]
    assert f'hx-get="{PREVIEW}?k=37"' in page.content.decode()
    assert len(queue_held.results) == 1
    _run_waiting(queue_held)
    report = client.get(PREVIEW, {"k": 37}).context["report"]
    assert (report.k, report.considered, report.suppressed) == (37, 3, 3)
    assert ResearchCounts.objects.get(actor=analyst).wanted == []  # done: nothing more asked


def test_the_job_gives_a_user_without_the_role_nothing(victim, analyst, ana):
    victim()
    ResearchCounts.objects.create(actor=ana, counting_since=timezone.now())  # as if asked while she had the role
    research_counts_task.enqueue(actor_id=ana.pk)
    assert not ResearchCounts.objects.filter(actor=ana).exists()
    with pytest.raises(PermissionDenied):
        counts.research_counts_start(actor=ana)
    assert not ResearchCounts.objects.exists()


def test_a_role_that_changes_takes_the_counts_with_it(victim, analyst, sofia):
    victim()
    counts.research_counts_start(actor=analyst)
    membership_grant(actor=None, user=analyst, office=sofia, role=Role.ANALYST, child_clearance=False)
    assert not ResearchCounts.objects.exists()  # the reach changed: counted again on the next visit
    counts.research_counts_start(actor=analyst)
    membership_revoke(actor=None, user=analyst, office=sofia)
    assert not ResearchCounts.objects.exists()


def test_an_erasure_takes_every_count_with_it(victim, analyst, boris):
    case = victim()
    counts.research_counts_start(actor=analyst)
    counts.research_counts_start(actor=boris)
    person_erased.send(sender=None, person=case.person, actor=None)
    assert not ResearchCounts.objects.exists()


def test_old_counts_and_those_of_users_without_the_role_are_pruned(victim, analyst, boris, ana):
    victim()
    kept = counts.research_counts_start(actor=analyst)
    old = counts.research_counts_start(actor=boris)
    ResearchCounts.objects.filter(pk=old.pk).update(computed_at=timezone.now() - counts.KEEP - timedelta(minutes=1))
    ResearchCounts.objects.create(actor=ana, computed_at=timezone.now(), cases=1, counts=[[["x"], 1]])
    assert counts.research_counts_prune() == 2
    assert list(ResearchCounts.objects.all()) == [kept]


def test_a_count_whose_worker_was_lost_says_so_and_may_start_again(analyst, client_of, queue_held):
    client = client_of(analyst)
    client.get(URL)
    counts.research_counts_lost(analyst.pk)  # what pristan/jobs has the job's `when_lost` do when it gives up
    page = client.get(URL).content.decode()
    assert 'data-testid="research-count-failed"' in page
    assert "hx-get" not in page
    queue_held.clear()
    client.post(COUNT)
    assert len(queue_held.results) == 1


def test_a_stalled_count_does_not_block_a_new_one(analyst, queue_held):
    counts.research_counts_start(actor=analyst)
    ResearchCounts.objects.update(counting_since=timezone.now() - counts.COUNTING_STALLED_AFTER)
    counts.research_counts_start(actor=analyst)
    assert len(queue_held.results) == 2


@pytest.mark.parametrize("persona", ["ana", "vera", "auditor", "partner_user"])
def test_the_preview_and_counting_refuse_everyone_else(persona, request, client_of, queue_held):
    user = request.getfixturevalue(persona)
    client = client_of(user)
    assert client.get(PREVIEW).status_code == 403
    assert client.post(COUNT, {"k": 11}).status_code == 403
    assert client.get(URL).status_code == 403
    assert not queue_held.results
    assert not ResearchCounts.objects.exists()
    denied = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=user)
    assert sorted(denied.values_list("detail", flat=True)) == ["research_count", "research_export", "research_preview"]
