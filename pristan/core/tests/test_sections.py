"""Every record of a case belongs to sections its model declares, and one access layer applies them."""

from django.apps import apps
from django.db import models

from pristan.assistance.models import PlanObjective, ServiceItem
from pristan.cases.models import Case
from pristan.core import access
from pristan.core.relations import foreign_key_path
from pristan.core.sections import CaseSection, Section
from pristan.referrals.models import Referral
from pristan.reintegration.models import AssistanceItem, Disbursement


def _linked_to_a_case() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model is not Case and foreign_key_path(model, Case, depth=4) is not None]


def test_every_model_linked_to_a_case_declares_its_sections():
    linked = _linked_to_a_case()
    assert Referral in linked  # the walk finds what it must
    assert Disbursement in linked
    undeclared = [model._meta.label for model in linked if not isinstance(getattr(model, "case_section", None), CaseSection)]
    assert not undeclared, f"declare `case_section` (pristan/core/sections.py) on: {', '.join(undeclared)}"


def test_every_declaration_names_real_fields_and_codes():
    linked: list[type[models.Model]] = [Case, *_linked_to_a_case()]
    for model in linked:
        declared = access.declared_section(model)
        for name, codes in declared.codes.items():
            field = model._meta.get_field(name)  # FieldDoesNotExist on a typo
            choices = {str(value) for value, _label in getattr(field, "choices", None) or []}
            assert not choices or set(codes) & choices, (model._meta.label, name)
        if declared.through:
            related = model._meta.get_field(declared.through).related_model
            assert isinstance(related, type)
            access.declared_section(related)  # the record it is about declares its sections too


def test_a_record_belongs_to_its_section_and_those_its_codes_add(case):
    health = PlanObjective(case=case, plan_type="Health")
    rehabilitation = PlanObjective(case=case, plan_type="SexualExploitationRehabilitation")
    assert access.sections_of(ServiceItem(case=case, kind="accommodation")) == {Section.ASSISTANCE}
    assert access.sections_of(ServiceItem(case=case, kind="medical")) == {Section.ASSISTANCE, Section.HEALTH}
    assert access.sections_of(ServiceItem(case=case, kind="accommodation", objective=rehabilitation)) == {
        Section.ASSISTANCE, Section.EXPERIENCE,
    }  # fmt: skip
    assert access.sections_of(ServiceItem(case=case, kind="medical", objective=health)) == {Section.ASSISTANCE, Section.HEALTH}
    # A referral of a service is the summary's, and health too for a medical service (not assistance:
    # who reads the summary knows that the case was referred).
    assert access.sections_of(Referral(case=case)) == {Section.SUMMARY}
    assert access.sections_of(Referral(case=case, service=ServiceItem(case=case, kind="accommodation"))) == {Section.SUMMARY}
    assert access.sections_of(Referral(case=case, service=ServiceItem(case=case, kind="medical"))) == {
        Section.SUMMARY, Section.HEALTH,
    }  # fmt: skip
    item = AssistanceItem(case=case, kind="psychosocial")
    assert access.sections_of(Disbursement(case=case, item=item)) == {Section.REINTEGRATION, Section.PSYCHOSOCIAL}
    assert access.possible_sections(Referral) >= {Section.SUMMARY, Section.HEALTH, Section.EXPERIENCE}
