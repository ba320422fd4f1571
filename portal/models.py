"""Every model, imported once so the metadata (and Alembic) sees the whole schema."""

from portal.accounts.models import ClosureRequest, Organization, PrivacyConsent, User  # noqa: F401
from portal.amendments.models import ProposalConfirmation, ScenarioAmendment, ScenarioAttachment  # noqa: F401
from portal.announcements.models import Decision, Objection, PastDecision  # noqa: F401
from portal.audit import AuditRecord  # noqa: F401
from portal.capabilities.models import Capability, CapabilityAlert, CapabilityDistrict, ScenarioInvitation  # noqa: F401
from portal.catalogue.models import Product  # noqa: F401
from portal.clarifications.models import CallTerms, Question  # noqa: F401
from portal.cluster.models import ClusterState, Node  # noqa: F401
from portal.dashboard.models import DashboardFigures  # noqa: F401
from portal.follows.models import SectorFollow  # noqa: F401
from portal.jobs.models import JobRun  # noqa: F401
from portal.meetings.models import Meeting  # noqa: F401
from portal.notifications.models import Notification, OutboxMessage  # noqa: F401
from portal.projects.models import (  # noqa: F401
    AcceptanceExpert,
    AcceptanceResult,
    CasePicture,
    Milestone,
    MilestoneReminder,
    Plan,
    ProgressReport,
    Project,
    ReportAttachment,
)
from portal.proposals.models import (  # noqa: F401
    Attachment,
    ConsortiumMember,
    Proposal,
    ProposalVersion,
    ReceiptCounter,
)
from portal.reviews.models import (  # noqa: F401
    ExpertDraw,
    ExpertPick,
    ExpertProfile,
    PolicySetting,
    Review,
    ReviewScore,
    ReviewSetup,
)
from portal.scenarios.models import Batch, Scenario  # noqa: F401
from portal.search.models import SearchChange, SearchDocument, SearchVersion, SynonymTable, ThesaurusEntry  # noqa: F401
from portal.uploads.models import StorageMarker  # noqa: F401
from portal.web.models import DataVersion  # noqa: F401
