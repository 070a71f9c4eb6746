"""The services of a case are listed for whoever sees their sections, under an objective or not."""

from pristan.assistance.selectors import services_visible
from pristan.assistance.services import objective_add, service_add
from pristan.core import vocabularies


def test_a_service_under_an_objective_is_listed_for_a_reader_granted_every_section(ana, active_case):
    plan_type = sorted(vocabularies.codes("spl_Type"))[0]
    objective = objective_add(actor=ana, case=active_case, data={"plan_type": plan_type, "objectives": "Safe housing."})
    under = service_add(actor=ana, case=active_case, data={"kind": "accommodation", "objective": objective})
    alone = service_add(actor=ana, case=active_case, data={"kind": "accommodation"})
    assert set(services_visible(user=ana, case=active_case)) == {under, alone}
