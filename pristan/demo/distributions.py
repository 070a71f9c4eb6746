"""What synthetic cases look like: the shares, ranges and weighted HTCDS codes they are drawn from.

The numbers are plausible for the region's caseloads (IOM and national reports), not statistics
of any real organisation. Tables of HTCDS codes are declared with `htcds`, which ties each to its
picklist so that `weights.check_vocabularies` can refuse invented codes before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from pristan.assistance.models import ServiceKind, ServiceStatus
from pristan.cases.models import ClosureReason, Stage
from pristan.demo.weights import Weighted, htcds

STAGES: Weighted[str] = Weighted(
    {Stage.SCREENING: 10, Stage.ASSISTANCE: 30, Stage.MOVEMENT: 5, Stage.REINTEGRATION: 15, Stage.FOLLOW_UP: 10, Stage.CLOSED: 30}
)
# How many days ago a case now in each stage was opened: screening takes weeks, follow-up years.
OPENED_DAYS_AGO: Mapping[str, tuple[int, int]] = {
    Stage.SCREENING: (0, 90),
    Stage.ASSISTANCE: (7, 730),
    Stage.MOVEMENT: (7, 365),
    Stage.REINTEGRATION: (60, 1460),
    Stage.FOLLOW_UP: (180, 1825),
    Stage.CLOSED: (30, 6 * 365),
}

# Share of persons of the office's own nationality; the rest come from the whole region.
HOME_NATIONALITY_SHARE = 0.8
MINOR_SHARE = 1 / 3
ESTIMATED_BIRTH_SHARE = 0.15
UNKNOWN_BIRTH_SHARE = 0.02  # of adults: some people cannot or will not say
MINOR_AGES: Weighted[int] = Weighted({8: 1, 9: 1, 10: 2, 11: 2, 12: 3, 13: 4, 14: 6, 15: 8, 16: 10, 17: 10})
ADULT_AGE_BANDS: Weighted[tuple[int, int]] = Weighted({(18, 24): 30, (25, 34): 35, (35, 44): 20, (45, 60): 15})

GENDERS = htcds(
    "prs_Gender",
    {
        "Feminine": 690,
        "Masculine": 280,
        "TransgenderFeminine": 8,
        "TransgenderMasculine": 5,
        "NonConforming": 5,
        "NonSpecifiedUnknown": 12,
    },
)
FEMININE_GENDERS = frozenset({"Feminine", "TransgenderFeminine"})
MASCULINE_GENDERS = frozenset({"Masculine", "TransgenderMasculine"})

# Overall about 45% sexual exploitation and 35% forced labour, skewed by gender as in the data.
EXPLOITATION_OF_WOMEN = htcds(
    "vic_TypeOfExploitation",
    {"SexualExploitation": 60, "ForcedLabour": 20, "ForcedBegging": 6, "ForcedMarriage": 8, "Servitude": 5, "Other": 1},
)
EXPLOITATION_OF_MEN = htcds(
    "vic_TypeOfExploitation", {"SexualExploitation": 12, "ForcedLabour": 70, "ForcedBegging": 12, "Servitude": 4, "Other": 2}
)
EXPLOITATION_OF_OTHERS = htcds(
    "vic_TypeOfExploitation",
    {"SexualExploitation": 45, "ForcedLabour": 35, "ForcedBegging": 8, "ForcedMarriage": 5, "Servitude": 4, "Other": 3},
)

LABOUR_INDUSTRIES = htcds(
    "vic_ForcedLabourIndustry",
    {
        "A_AgricultureForestryAndFishing": 25, "F_Construction": 20, "I_AccommodationAndFoodServiceActivities": 15,
        "C_Manufacturing": 12, "T_ActivitiesOfHouseholdsAsEmployers": 10, "H_TransportationAndStorage": 5,
        "G_WholesaleAndRetailTradeRepairOfMotorVehicles": 5, "N_AdministrativeAndSupportServiceActivities": 4,
        "S_OtherServiceActivities": 4,
    },
)  # fmt: skip
SEX_EXPLOITATION = htcds(
    "vic_TypeOfSexExploitation",
    {"Prostitution": 80, "Pornography": 8, "RemoteInteractiveServices": 7, "PrivateSexualServices": 5},
)
ONLINE_SEX_EXPLOITATION = frozenset({"Pornography", "RemoteInteractiveServices"})
RECRUITMENT = htcds(
    "vic_MethodOfRecruitment",
    {
        "ThroughFriendsOrSocialEvents": 30, "ThroughOnlineSocialNetworks": 22, "ThroughFamilyOrFamilyEvents": 15,
        "ThroughAnOnlineAdvertisement": 12, "AtWork": 6, "AtAPlaceOfBusiness": 4, "ThroughANewspaperAdvert": 4,
        "AtAnEducationalInstitution": 3, "ThroughATelevisionAdvert": 1, "Other": 3,
    },
)  # fmt: skip
ONLINE_RECRUITMENT = frozenset({"ThroughOnlineSocialNetworks", "ThroughAnOnlineAdvertisement"})
RECRUITMENT_APPS = htcds(
    "vic_RecruitmentWebsitesAndApps",
    {
        "Facebook": 35,
        "Instagram": 20,
        "Viber": 12,
        "WhatsApp": 10,
        "TikTok": 8,
        "Telegram": 8,
        "FacebookMessenger": 5,
        "Other": 2,
    },
)
EXPLOITATION_APPS = htcds(
    "vic_ExploitationWebsitesAndApps",
    {"Telegram": 25, "Instagram": 20, "WhatsApp": 15, "Facebook": 10, "SnapChat": 10, "Other": 20},
)
RELATIONSHIPS = htcds("vic_RelationshipToTrafficker", {"Acquainted": 50, "Unaquainted": 30, "Familial": 20})
CONTROL = htcds(
    "vic_MethodsOfControl",
    {
        "FalsePromises": 20, "TakesEarnings": 18, "DebtBondage": 14, "PsychologicalAbuse": 14, "PhysicalThreats": 12,
        "WithholdsDocuments": 10, "PhysicalAbuse": 8, "ThreatensChildrenFamily": 6, "ExcessiveWorkingHours": 8,
        "RestrictsFinancialAccess": 5, "PsychoactiveSubstance": 3, "WithholdsNecessities": 4, "ThreatsLawEnforcement": 3,
        "RestrictsMedicalCare": 2, "Other": 1,
    },
)  # fmt: skip
SEXUAL_CONTROL = htcds("vic_MethodsOfControl", {"SexualAbuse": 1})
VULNERABILITIES = htcds(
    "vic_Vulnerabilities",
    {
        "Poverty": 35, "Education": 15, "Migration": 8, "AbusePhysical": 8, "MentalHealth": 6, "Addiction": 5, "Homelessness": 5,
        "SocialGroup": 5, "DisabilityAndPhysicalHealth": 4, "Discrimination": 4, "WorkEnvironment": 3, "AbuseSocialMedia": 2,
    },
)  # fmt: skip

# Screening decisions by stage: "not a victim" only where a case can be in that state.
DECISIONS_IN_SCREENING = htcds(
    "vic_TraffickingStatus", {"PossibleVictimOfTrafficking": 65, "ActualVictimOfTrafficking": 10, "NotAVictimOfTrafficking": 25}
)
DECISIONS_WHEN_CLOSED = htcds(
    "vic_TraffickingStatus", {"PossibleVictimOfTrafficking": 45, "ActualVictimOfTrafficking": 40, "NotAVictimOfTrafficking": 15}
)
DECISIONS_IN_ASSISTANCE = htcds("vic_TraffickingStatus", {"PossibleVictimOfTrafficking": 55, "ActualVictimOfTrafficking": 45})
NOT_A_VICTIM = "NotAVictimOfTrafficking"
ACTUAL_VICTIM = "ActualVictimOfTrafficking"
# Identification as an actual victim is a decision of the authorities; NGOs decide "possible".
ACTUAL_DECIDED_BY = htcds(
    "vic_TraffickingStatusDecisionMakingOrg",
    {"Police": 45, "CourtOrProsecution": 25, "NonPoliceGovernmentalOrganization": 20, "NGO": 10},
)
OTHERWISE_DECIDED_BY = htcds("vic_TraffickingStatusDecisionMakingOrg", {"NGO": 85, "Other": 15})

CLOSURE_REASONS: Weighted[str] = Weighted(
    {
        ClosureReason.ASSISTANCE_COMPLETED: 30, ClosureReason.REINTEGRATED: 25, ClosureReason.REFERRED: 15,
        ClosureReason.LOST_CONTACT: 14, ClosureReason.DECLINED: 10, ClosureReason.OTHER: 5, ClosureReason.DECEASED: 1,
    }
)  # fmt: skip
INCOMING_REFERRAL_SHARE = 0.35
INCOMING_REASONS = htcds(
    "cas_ReasonForIncomingReferral", {"AdditionalServicesRequired": 60, "MigrationOrChangeOfLocation": 30, "Other": 10}
)
OUTGOING_REASONS = htcds(
    "cas_ReasonForOutgoingReferral", {"AdditionalServicesRequired": 60, "MigrationOrChangeOfLocation": 30, "Other": 10}
)

PERPETRATOR_COUNTS: Weighted[int] = Weighted({0: 30, 1: 45, 2: 25})
PERPETRATOR_GENDERS = htcds("prs_Gender", {"Masculine": 75, "Feminine": 25})
PERPETRATOR_ROLES = htcds(
    "per_RoleInProcess",
    {
        "RecruiterOrIntermediary": 30, "Exploiter": 30, "Transporter": 10, "Abuser": 8, "ControlledIndividual": 6,
        "BrokerTravelAgent": 5, "HarbouredIndividual": 5, "SoldIndividual": 3, "BoughtIndividual": 3, "TravellingPartner": 3,
        "Smuggler": 2, "Kidnapper": 1,
    },
)  # fmt: skip

PLANS_AFTER_SEXUAL = htcds(
    "spl_Type",
    {"SexualExploitationRehabilitation": 30, "Health": 25, "Legal": 15, "SocialCare": 15, "Livelihood": 10, "Financial": 5},
)
PLANS_AFTER_LABOUR = htcds(
    "spl_Type",
    {
        "LabourExploitationRehabilitation": 25,
        "Livelihood": 20,
        "Legal": 20,
        "Health": 15,
        "Financial": 10,
        "RightsBasedTraining": 5,
        "SocialCare": 5,
    },
)
PLANS_FOR_CHILDREN = htcds(
    "spl_Type",
    {"Education": 35, "Health": 20, "SocialCare": 20, "SexualExploitationRehabilitation": 10, "Legal": 10, "Financial": 5},
)
# The services that serve each type of objective.
SERVICES_FOR_PLAN: Mapping[str, tuple[str, ...]] = {
    "Education": (ServiceKind.EDUCATION,),
    "Financial": (ServiceKind.FINANCIAL,),
    "Health": (ServiceKind.MEDICAL, ServiceKind.PSYCHOSOCIAL),
    "LabourExploitationRehabilitation": (ServiceKind.PSYCHOSOCIAL, ServiceKind.LEGAL),
    "Legal": (ServiceKind.LEGAL, ServiceKind.INTERPRETATION),
    "Livelihood": (ServiceKind.VOCATIONAL, ServiceKind.LIVELIHOOD),
    "RightsBasedTraining": (ServiceKind.OTHER, ServiceKind.VOCATIONAL),
    "SexualExploitationRehabilitation": (ServiceKind.ACCOMMODATION, ServiceKind.PSYCHOSOCIAL),
    "SocialCare": (ServiceKind.ACCOMMODATION, ServiceKind.FAMILY_TRACING),
}
# Services that come before any plan: what screening itself needs.
FIRST_SERVICES: tuple[str, ...] = (
    ServiceKind.RISK_ASSESSMENT,
    ServiceKind.INTERPRETATION,
    ServiceKind.MEDICAL,
    ServiceKind.ACCOMMODATION,
)
# Which kind of partner (HTCDS org_Type) provides a service when the office does not.
PROVIDER_TYPE: Mapping[str, str] = {
    ServiceKind.MEDICAL: "HealthServiceOrganisation",
    ServiceKind.PSYCHOSOCIAL: "NGO",
    ServiceKind.ACCOMMODATION: "NGO",
    ServiceKind.FAMILY_TRACING: "NGO",
    ServiceKind.LEGAL: "LegalService",
}
# Plausible cost in euro (low, high); None: the office's own staff, no cost recorded.
COST_IN_EURO: Mapping[str, tuple[int, int] | None] = {
    ServiceKind.ACCOMMODATION: (300, 2500),
    ServiceKind.MEDICAL: (50, 800),
    ServiceKind.PSYCHOSOCIAL: (40, 600),
    ServiceKind.LEGAL: (100, 1500),
    ServiceKind.EDUCATION: (50, 600),
    ServiceKind.VOCATIONAL: (200, 1500),
    ServiceKind.LIVELIHOOD: (300, 3000),
    ServiceKind.FINANCIAL: (100, 1000),
    ServiceKind.FAMILY_TRACING: (50, 300),
    ServiceKind.RISK_ASSESSMENT: None,
    ServiceKind.INTERPRETATION: (20, 200),
    ServiceKind.OTHER: (20, 300),
}
SERVICE_STATUSES: Mapping[str, Weighted[str]] = {
    Stage.SCREENING: Weighted({ServiceStatus.PLANNED: 60, ServiceStatus.IN_PROGRESS: 40}),
    Stage.ASSISTANCE: Weighted(
        {ServiceStatus.PLANNED: 25, ServiceStatus.IN_PROGRESS: 45, ServiceStatus.DELIVERED: 25, ServiceStatus.CANCELLED: 5}
    ),
    Stage.MOVEMENT: Weighted(
        {ServiceStatus.PLANNED: 25, ServiceStatus.IN_PROGRESS: 45, ServiceStatus.DELIVERED: 25, ServiceStatus.CANCELLED: 5}
    ),
    Stage.REINTEGRATION: Weighted(
        {ServiceStatus.PLANNED: 10, ServiceStatus.IN_PROGRESS: 35, ServiceStatus.DELIVERED: 50, ServiceStatus.CANCELLED: 5}
    ),
    Stage.FOLLOW_UP: Weighted({ServiceStatus.IN_PROGRESS: 15, ServiceStatus.DELIVERED: 80, ServiceStatus.CANCELLED: 5}),
    Stage.CLOSED: Weighted({ServiceStatus.DELIVERED: 85, ServiceStatus.CANCELLED: 15}),
}
GUARDIANS: Weighted[int] = Weighted({0: 55, 1: 20, 2: 10, 3: 15})  # index into texts.GUARDIAN_RELATIONSHIPS
NOTE_COUNTS: Weighted[int] = Weighted({0: 35, 1: 40, 2: 25})
OVERDUE_TASK_SHARE = 0.35
