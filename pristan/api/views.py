"""The REST API's endpoints. Each loads what it shows through the one access layer
(pristan/core/access.py), changes data only through the services, and records reads of a case
as the pages do (trail.record_read)."""

import re
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import ValidationError

from pristan.api import serializers as api
from pristan.api.errors import Refused
from pristan.api.messages import (
    BAD_ORDERING,
    NO_SUCH_OFFICE,
    NO_WRITABLE_CASE,
    NOT_A_REGISTRAR,
    NOTHING_TO_CONFIRM,
    NOTHING_TO_IMPORT,
    UNKNOWN_OBJECTIVE,
    UNKNOWN_OFFICE,
    UNKNOWN_ORGANISATION,
    UNKNOWN_PERSON,
    UNKNOWN_SERVICE,
    UNKNOWN_VISIT,
)
from pristan.api.models import Resource
from pristan.api.pagination import Pagination
from pristan.api.parsers import MultiPartParser
from pristan.api.permissions import TokenScope
from pristan.api.schema import ERROR
from pristan.assistance import selectors as assistance_selectors
from pristan.assistance import services as assistance_services
from pristan.assistance.models import ServiceItem
from pristan.cases import selectors as case_selectors
from pristan.cases import services as case_services
from pristan.cases.models import Case
from pristan.core import access, trail
from pristan.core.models import Office, Organisation
from pristan.core.policy import Section
from pristan.exports import selectors as export_selectors
from pristan.interchange import jobs as import_jobs
from pristan.interchange import services as import_services
from pristan.interchange import uploads as import_uploads
from pristan.interchange.models import ImportJob
from pristan.keystore.services import preload_for
from pristan.movements import selectors as movement_selectors
from pristan.movements import services as movement_services
from pristan.movements.models import Movement, MovementTraveller
from pristan.people import services as people_services
from pristan.people.models import Person
from pristan.referrals import selectors as referral_selectors
from pristan.referrals import services as referral_services
from pristan.referrals.models import Referral
from pristan.reintegration import selectors as reintegration_selectors
from pristan.reintegration import services as reintegration_services
from pristan.screening.services import screening_record

REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,30}$")


class ApiView(GenericAPIView[Any]):
    """Signed in (a token or a verified session), within the token's scope."""

    permission_classes = [IsAuthenticated, TokenScope]
    pagination_class = Pagination
    resource: str = ""
    reads_by_post = False  # a search is posted so that names stay out of URLs, yet it only reads

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, int) and value > api.MAX_ID for value in kwargs.values()):
            raise Http404  # no such id, and too large for the database to be asked

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated has let only a user through
        return user

    def case(self, reference: str, section: Section, *, write: bool = False) -> Case:
        if not REFERENCE.match(reference):
            raise Http404
        return access.case_for(self.user, reference, section=section, write=write)

    def read(self, case: Case, section: Section) -> None:
        trail.record_read(self.request._request, case=case, section=section)

    def valid(self, serializer_class: type[serializers.Serializer[Any]], data: Any, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def page(
        self, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer[Any]], *, persons: bool = False
    ) -> Response:
        rows = list(self.paginate_queryset(queryset) or [])
        preload_for(rows)  # the names on the page, unwrapped in one query
        context: dict[str, Any] = {"request": self.request}
        shown = [row for row in rows if isinstance(row, Case)]
        if persons:  # the references of each person's cases that the reader sees, in one query
            shown = _visible_cases(self.user, [person.pk for person in rows])
            context["cases_by_person"] = _references_by_person(shown)
        self.listed(shown)
        return self.get_paginated_response(serializer_class(rows, many=True, context=context).data)

    def listed(self, cases: Iterable[Case]) -> None:
        """Record which cases a page of a list showed (never the filters or the search)."""
        match = self.request._request.resolver_match
        trail.record_listing(self.request._request, cases=cases, listing=match.url_name or "" if match else "")


def _ordered(queryset: QuerySet[Any], ordering: str, allowed: list[str]) -> QuerySet[Any]:
    if ordering not in allowed:
        raise ValidationError({"ordering": [BAD_ORDERING % {"choices": ", ".join(allowed)}]})
    return queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")


def _office(user: User, code: str) -> Office:
    office = Office.objects.filter(code=code).first()
    if office is None or not access.can_register_in(user, office):
        raise ValidationError({"office": [UNKNOWN_OFFICE]})
    return office


# --- cases ------------------------------------------------------------------------------------


def _filters(data: dict[str, Any]) -> case_selectors.CaseFilters:
    return case_selectors.CaseFilters(
        query=data.get("q", ""), status=data.get("status", ""), stage=data.get("stage", ""), office=data.get("office", ""),
        exploitation=data.get("exploitation", ""), minors=data.get("minors", False),
    )  # fmt: skip


def _case_page(view: ApiView, data: dict[str, Any]) -> Response:
    cases = case_selectors.case_search(user=view.user, filters=_filters(data))
    return view.page(_ordered(cases, data.get("ordering", "-opened_on"), api.ORDERINGS["cases"]), api.CaseSerializer)


class CaseList(ApiView):
    resource = Resource.CASES
    serializer_class = api.CaseSerializer

    @extend_schema(parameters=[api.CaseFilterSerializer], responses=api.CaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The cases you may see, filtered by what identifies nobody. To search by name, POST to `cases/search/`."""
        return _case_page(self, self.valid(api.CaseFilterSerializer, request.query_params))

    @extend_schema(request=api.CaseCreateSerializer, responses={201: api.CaseSerializer})
    def post(self, request: Request) -> Response:
        """Open another case for a person whose case you can see."""
        data = self.valid(api.CaseCreateSerializer, request.data)
        person = access.persons_for(self.user).filter(pk=data["person"]).first()
        if person is None:
            raise ValidationError({"person": [UNKNOWN_PERSON]})
        case = case_services.case_open(actor=self.user, person=person, office=_office(self.user, data["office"]))
        return Response(api.CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseSearch(ApiView):
    resource = Resource.CASES
    reads_by_post = True

    @extend_schema(request=api.CaseSearchSerializer, responses={200: api.CaseSerializer(many=True)})
    def post(self, request: Request) -> Response:
        """Search the cases you may see by name (either script) or reference: posted, so that names stay out of URLs and logs."""
        return _case_page(self, self.valid(api.CaseSearchSerializer, request.data))


class CaseDetail(ApiView):
    resource = Resource.CASES
    serializer_class = api.CaseDetailSerializer

    def get(self, request: Request, reference: str) -> Response:
        case = self.case(reference, Section.SUMMARY)
        self.read(case, Section.SUMMARY)
        context = {"cases_by_person": _references_by_person(_visible_cases(self.user, [case.person_id]))}
        return Response(api.CaseDetailSerializer(case, context=context).data)


class CaseStage(ApiView):
    resource = Resource.CASES

    @extend_schema(request=api.StageSerializer, responses={200: api.CaseSerializer})
    def post(self, request: Request, reference: str) -> Response:
        """Move the case to another stage (closing it needs a reason)."""
        case = self.case(reference, Section.SUMMARY, write=True)
        data = self.valid(api.StageSerializer, request.data)
        case = case_services.case_change_stage(actor=self.user, case=case, **data)
        return Response(api.CaseSerializer(case).data)


# --- persons ----------------------------------------------------------------------------------


def _visible_cases(user: User, person_ids: list[int]) -> list[Case]:
    cases = access.cases_for(user).filter(person_id__in=person_ids).order_by("reference")
    return list(cases.only("pk", "person_id", "reference", "office_id"))


def _references_by_person(cases: list[Case]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for case in cases:
        found.setdefault(case.person_id, []).append(case.reference)
    return found


class PersonList(ApiView):
    resource = Resource.PERSONS
    serializer_class = api.PersonSummarySerializer

    @extend_schema(
        parameters=[OpenApiParameter("ordering", enum=api.ORDERINGS["persons"], default="-id")],
        responses=api.PersonSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        """The persons whose cases you may see: names only; a person's whole record is read one at a time (and recorded)."""
        ordering = request.query_params.get("ordering", "-id")
        persons = _ordered(access.persons_for(self.user).select_related("office"), ordering, api.ORDERINGS["persons"])
        return self.page(persons, api.PersonSummarySerializer, persons=True)

    @extend_schema(request=api.RegistrationSerializer, responses={201: api.PersonSerializer})
    def post(self, request: Request) -> Response:
        """Register a person and open their first case, as the registration page does."""
        data = self.valid(api.RegistrationSerializer, request.data)
        office = _office(self.user, data.pop("office"))
        case = case_services.case_register(actor=self.user, office=office, data=data)
        person = case.person
        context = {"cases_by_person": {person.pk: [case.reference]}}
        return Response(api.PersonSerializer(person, context=context).data, status=status.HTTP_201_CREATED)


class PersonDetail(ApiView):
    resource = Resource.PERSONS
    serializer_class = api.PersonSerializer

    def person(self, person_id: int) -> tuple[Person, list[Case]]:
        cases = list(access.cases_for(self.user).filter(person_id=person_id).select_related("person", "office", "owner"))
        if not cases:
            raise Http404
        return cases[0].person, cases

    def get(self, request: Request, person_id: int) -> Response:
        person, cases = self.person(person_id)
        for case in cases:  # the record is read through each case it is part of
            self.read(case, Section.SUMMARY)
        context = {"cases_by_person": {person.pk: sorted(case.reference for case in cases)}}
        return Response(api.PersonSerializer(person, context=context).data)

    @extend_schema(request=api.PersonInputSerializer(partial=True), responses={200: api.PersonSerializer})
    def patch(self, request: Request, person_id: int) -> Response:
        """Change some of the person's details; what is not sent stays as it is."""
        person, cases = self.person(person_id)
        writable = [case for case in cases if access.can_write(self.user, case, Section.SUMMARY)]
        if not writable:
            raise PermissionDenied(NO_WRITABLE_CASE)
        data = self.valid(api.PersonInputSerializer, request.data, partial=True)
        person = people_services.person_update(actor=self.user, case=writable[0], data=data)
        context = {"cases_by_person": {person.pk: sorted(case.reference for case in cases)}}
        return Response(api.PersonSerializer(person, context=context).data)


# --- screening, consent -----------------------------------------------------------------------


class ScreeningList(ApiView):
    resource = Resource.SCREENING
    serializer_class = api.ScreeningSerializer

    @extend_schema(responses=api.ScreeningSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        case = self.case(reference, Section.SCREENING)
        self.read(case, Section.SCREENING)
        return self.page(case.screenings.select_related("screened_by").order_by("-screened_on", "-id"), api.ScreeningSerializer)

    @extend_schema(request=api.ScreeningInputSerializer, responses={201: api.ScreeningSerializer})
    def post(self, request: Request, reference: str) -> Response:
        """Record a screening: Pristan computes its suggestion from the indicators; the decision and reason are yours."""
        case = self.case(reference, Section.SCREENING, write=True)
        screening = screening_record(actor=self.user, case=case, **self.valid(api.ScreeningInputSerializer, request.data))
        return Response(api.ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)


class ConsentList(ApiView):
    resource = Resource.CONSENT
    serializer_class = api.ConsentSerializer

    @extend_schema(responses=api.ConsentSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        case = self.case(reference, Section.CONSENT)
        self.read(case, Section.CONSENT)
        return self.page(case.consent_events.select_related("recorded_by").order_by("-id"), api.ConsentSerializer)

    @extend_schema(request=api.ConsentInputSerializer, responses={201: api.ConsentSerializer})
    def post(self, request: Request, reference: str) -> Response:
        """Record consent given or withdrawn for one purpose; the decision recorded last is in force."""
        case = self.case(reference, Section.CONSENT, write=True)
        event = case_services.consent_record(actor=self.user, case=case, **self.valid(api.ConsentInputSerializer, request.data))
        return Response(api.ConsentSerializer(event).data, status=status.HTTP_201_CREATED)


# --- services, referrals ----------------------------------------------------------------------


class ServiceList(ApiView):
    resource = Resource.SERVICES
    serializer_class = api.ServiceSerializer

    @extend_schema(responses=api.ServiceSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        """The case's services, less those of sections your role is not granted (a medical service needs health)."""
        case = self.case(reference, Section.ASSISTANCE)
        self.read(case, Section.ASSISTANCE)
        return self.page(assistance_selectors.services_visible(user=self.user, case=case).order_by("id"), api.ServiceSerializer)

    @extend_schema(request=api.ServiceInputSerializer, responses={201: api.ServiceSerializer})
    def post(self, request: Request, reference: str) -> Response:
        case = self.case(reference, Section.ASSISTANCE, write=True)
        data = self.valid(api.ServiceInputSerializer, request.data)
        if data.get("objective") is not None:
            objective = assistance_selectors.objectives_visible(user=self.user, case=case).filter(pk=data["objective"]).first()
            if objective is None:
                raise ValidationError({"objective": [UNKNOWN_OBJECTIVE]})
            data["objective"] = objective
        if data.get("provider") is not None:
            data["provider"] = _partner(data["provider"], "provider")
        service = assistance_services.service_add(actor=self.user, case=case, data=data)
        return Response(api.ServiceSerializer(service).data, status=status.HTTP_201_CREATED)


def _partner(pk: int, field: str) -> Organisation:
    organisation = Organisation.objects.filter(pk=pk, is_operator=False).first()
    if organisation is None:
        raise ValidationError({field: [UNKNOWN_ORGANISATION]})
    return organisation


class ServiceStatusChange(ApiView):
    resource = Resource.SERVICES

    @extend_schema(request=api.ServiceStatusSerializer, responses={200: api.ServiceSerializer})
    def post(self, request: Request, service_id: int) -> Response:
        service = access.case_object_for(self.user, ServiceItem, service_id, write=True)
        data = self.valid(api.ServiceStatusSerializer, request.data)
        service = assistance_services.service_change_status(actor=self.user, service=service, status=data["status"])
        return Response(api.ServiceSerializer(service).data)


class ReferralList(ApiView):
    resource = Resource.REFERRALS
    serializer_class = api.ReferralSerializer

    @extend_schema(responses=api.ReferralSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        case = self.case(reference, Section.SUMMARY)
        self.read(case, Section.SUMMARY)
        referrals = referral_selectors.referrals_of(user=self.user, case=case)
        return self.page(referrals, api.ReferralSerializer)

    @extend_schema(request=api.ReferralInputSerializer, responses={201: api.ReferralSerializer})
    def post(self, request: Request, reference: str) -> Response:
        """Refer the case, or one of its services, to a partner organisation or another office (needs consent to referral)."""
        case = self.case(reference, Section.SUMMARY, write=True)
        data = self.valid(api.ReferralInputSerializer, request.data)
        organisation = _partner(data["organisation"], "organisation") if data.get("organisation") is not None else None
        office = Office.objects.filter(code=data["office"]).first() if data.get("office") else None
        if data.get("office") and office is None:
            raise ValidationError({"office": [NO_SUCH_OFFICE]})
        service = None
        if data.get("service") is not None:
            service = assistance_selectors.services_visible(user=self.user, case=case).filter(pk=data["service"]).first()
            if service is None:
                raise ValidationError({"service": [UNKNOWN_SERVICE]})
        referral = referral_services.referral_send(
            actor=self.user, case=case, reason=data["reason"], organisation=organisation, office=office, service=service,
            details=data.get("details", ""), referred_on=data.get("referred_on"),
        )  # fmt: skip
        return Response(api.ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralStatusChange(ApiView):
    resource = Resource.REFERRALS

    @extend_schema(request=api.ReferralStatusSerializer, responses={200: api.ReferralSerializer})
    def post(self, request: Request, referral_id: int) -> Response:
        """Answer a referral (the receiver accepts or declines) or close it (the sender marks it done or revokes it)."""
        referral = access.case_object_for(self.user, Referral, referral_id)
        data = self.valid(api.ReferralStatusSerializer, request.data)
        referral = referral_services.referral_move(actor=self.user, referral=referral, **data)
        return Response(api.ReferralSerializer(referral).data)


# --- movements --------------------------------------------------------------------------------


def _movement(user: User, movement_id: int) -> Movement:
    """A movement the user may see: every traveller's case visible with the movement section
    (pristan/movements/selectors.movements_for decides), or a 404."""
    movement = movement_selectors.movements_for(user, Movement.objects.filter(pk=movement_id)).first()
    if movement is None:
        raise Http404
    return movement


def _movement_detail(user: User, movement: Movement) -> dict[str, Any]:
    """The movement as the case page shows it (pristan/movements/selectors.case_movements): document
    numbers for readers granted the summary, the clearance's medical details for readers granted health."""
    first = movement.travellers.select_related("case").first()
    assert first is not None  # a movement without travellers is seen by no one
    views = [view for view in movement_selectors.case_movements(user=user, case=first.case) if view.movement.pk == movement.pk]
    if not views:
        raise Http404
    view = views[0]
    travellers = []
    for each in view.travellers:
        clearance: dict[str, Any] | None = None
        if each.clearance is not None:
            clearance = {"cleared": each.clearance.cleared, "escort": each.clearance.escort}
            if each.health:
                clearance |= {"outcome": each.clearance.outcome, "assessed_on": each.clearance.assessed_on,
                              "medical_note": each.clearance.medical_note}  # fmt: skip
        travellers.append({
            "case": each.traveller.case.reference,
            "documents": [{"kind": d.kind, "status": d.status, "expires_on": d.expires_on,
                           "number": d.number if each.numbers else None} for d in each.documents],
            "clearance": clearance,
            "counselled": bool(each.traveller.counselling.all()),
        })  # fmt: skip
    return {
        **api.MovementSerializer(view.movement).data, "traveller_details": api.TravellerSerializer(travellers, many=True).data,
        "legs": api.LegSerializer(view.legs, many=True).data, "missing": api.MissingSerializer(view.missing, many=True).data,
        "route": view.route,
    }  # fmt: skip


class MovementList(ApiView):
    resource = Resource.MOVEMENTS
    serializer_class = api.MovementSerializer

    @extend_schema(parameters=[api.MovementFilterSerializer], responses=api.MovementSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The movements you may see: those whose every traveller's case you may see with the movement section."""
        data = self.valid(api.MovementFilterSerializer, request.query_params)
        movements = movement_selectors.movements_for(self.user)
        if data.get("stage"):
            movements = movements.filter(stage=data["stage"])
        travellers = MovementTraveller.objects.select_related("case").order_by("id")
        movements = movements.select_related("office").prefetch_related(Prefetch("travellers", travellers)).order_by("-id")
        rows = list(self.paginate_queryset(movements) or [])
        self.listed(traveller.case for movement in rows for traveller in movement.travellers.all())
        serialized = api.MovementSerializer(rows, many=True).data  # type: ignore[arg-type]
        return self.get_paginated_response(serialized)


class MovementDetail(ApiView):
    resource = Resource.MOVEMENTS
    serializer_class = api.MovementDetailSerializer

    def get(self, request: Request, movement_id: int) -> Response:
        """A movement, its travellers, route and what it still lacks; the reasons of a medical clearance
        only for readers granted the health section of the traveller's case."""
        movement = _movement(self.user, movement_id)
        detail = _movement_detail(self.user, movement)
        for traveller in movement.travellers.select_related("case"):
            self.read(traveller.case, Section.MOVEMENT)
        return Response(detail)


class MovementStageChange(ApiView):
    resource = Resource.MOVEMENTS

    @extend_schema(request=api.MovementStageSerializer, responses={200: api.MovementDetailSerializer})
    def post(self, request: Request, movement_id: int) -> Response:
        """Move the movement on, as the Movement tab does (cancelling and a no-show need a reason)."""
        movement = _movement(self.user, movement_id)
        movement_services.require_movement_write(self.user, movement)
        data = self.valid(api.MovementStageSerializer, request.data)
        movement = movement_services.movement_change_stage(actor=self.user, movement=movement, **data)
        return Response(_movement_detail(self.user, movement))


# --- reintegration visits ---------------------------------------------------------------------


class VisitList(ApiView):
    resource = Resource.VISITS
    serializer_class = api.VisitSerializer

    @extend_schema(responses=api.VisitSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        """The case's monitoring visits, planned from the date of return, with the scores computed when each was recorded."""
        case = self.case(reference, Section.REINTEGRATION)
        self.read(case, Section.REINTEGRATION)
        return self.page(reintegration_selectors.visits_of(case), api.VisitSerializer)

    @extend_schema(request=api.VisitInputSerializer, responses={201: api.VisitSerializer})
    def post(self, request: Request, reference: str) -> Response:
        """Record a planned visit with the answers to the current survey: Pristan computes the scores."""
        case = self.case(reference, Section.REINTEGRATION, write=True)
        data = self.valid(api.VisitInputSerializer, request.data)
        visit = reintegration_selectors.visits_of(case).filter(pk=data["visit"]).first()
        if visit is None:
            raise ValidationError({"visit": [UNKNOWN_VISIT]})
        visit = reintegration_services.visit_record(
            actor=self.user, visit=visit, done_on=data["done_on"], answers=data["answers"], note=data["note"]
        )
        return Response(api.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


# --- imports, exports -------------------------------------------------------------------------


class ImportStart(ApiView):
    resource = Resource.IMPORTS
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_start", request={"multipart/form-data": api.ImportUploadSerializer},
        responses={
            202: api.ImportSerializer,
            413: OpenApiResponse(ERROR, description="The file is larger than the limit."),
            429: OpenApiResponse(ERROR, description="Too many of your uploads arriving, or imports being checked, at once."),
        },
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        """Upload a file to import into an office where you may register persons, as the Import page does:
        Pristan reads the file and checks every row in the background, and prepares a preview; follow the
        import at `imports/{id}/`. A file Pristan cannot read makes the import `failed`, with the reason in
        its `error`. Nothing is written until you confirm at `imports/{id}/`. A file over the size limit
        is refused (413), as is a file beyond the uploads you may have arriving or being checked at once (429)."""
        if not access.registration_offices(self.user).exists():
            raise PermissionDenied(NOT_A_REGISTRAR)
        payload = request.data  # the upload arrives (sealed) here
        if refusal := import_uploads.refusal_of(request._request):
            raise Refused({"file": [refusal.message]}, status=refusal.status)
        data = self.valid(api.ImportUploadSerializer, payload)
        office = _office(self.user, data["office"])
        job = import_jobs.start(
            actor=self.user, office=office, upload=data["file"], source=data.get("source") or "",
            language=translation.get_language() or "en",
        )  # fmt: skip
        job.refresh_from_db()
        return Response(api.ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetail(ApiView):
    resource = Resource.IMPORTS
    serializer_class = api.ImportSerializer

    def job(self, job_id: UUID) -> ImportJob:
        """An import is seen only by the person who started it, while they may still register in its office."""
        job = ImportJob.objects.select_related("office", "actor").filter(pk=job_id, actor=self.user).first()
        if job is None or not access.can_register_in(self.user, job.office):
            raise Http404
        return job

    def get(self, request: Request, job_id: UUID) -> Response:
        """The import's status, its preview (rows to create, update and skip) and its problems."""
        return Response(api.ImportSerializer(self.job(job_id)).data)

    @extend_schema(operation_id="imports_confirm", request=api.ImportConfirmSerializer, responses={200: api.ImportSerializer})
    def post(self, request: Request, job_id: UUID) -> Response:
        """Confirm a checked import (all or nothing; with `skip_invalid`, only the valid rows), or discard it."""
        job = self.job(job_id)
        data = self.valid(api.ImportConfirmSerializer, request.data)
        if job.status != ImportJob.Status.READY:
            raise ValidationError([NOTHING_TO_CONFIRM])
        if data["action"] == "discard":
            import_jobs.discard(job, actor=self.user)
        else:
            job.skip_invalid = data["skip_invalid"]
            if job.invalid and not job.skip_invalid:
                raise ValidationError({"skip_invalid": [import_services.HAS_PROBLEMS]})
            if job.to_create + job.to_update == 0:
                raise ValidationError([NOTHING_TO_IMPORT])
            import_jobs.start_write(job, actor=self.user)
        job.refresh_from_db()
        return Response(api.ImportSerializer(job).data)


class ExportList(ApiView):
    resource = Resource.EXPORTS
    serializer_class = api.ExportSerializer

    @extend_schema(responses=api.ExportSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Past exports, for readers of the audit trail (as on the Exports page): who, when, why and how many
        cases, never which people. Making an export of identifiable data is not offered through the API: it
        needs you to confirm who you are again (your password and the second step) on the Export page."""
        if not trail.can_read_trail(self.user):
            raise Http404
        return self.page(export_selectors.exports_visible_to(user=self.user), api.ExportSerializer)


class NotFound(ApiView):
    """Any other address under the API: a JSON 404 (after authentication), never a page."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise Http404

    post = put = patch = delete = get
