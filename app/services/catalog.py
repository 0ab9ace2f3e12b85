"""Every service of the program on one database, built once."""

from __future__ import annotations

from dataclasses import dataclass

from app.data.engine import Database
from app.services.access import AccessService
from app.services.audit import AuditService
from app.services.disaster_stats import DisasterStats
from app.services.duty_report import DutyReportService
from app.services.handover import HandoverService
from app.services.incident_report import IncidentReportService
from app.services.incident_search import IncidentSearch
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.services.movements import MovementService
from app.services.office import OfficeSettings
from app.services.overview import OverviewService
from app.services.places import PlaceService
from app.services.resources import ShelterEditor
from app.services.roster import RosterService
from app.services.staff import StaffService


@dataclass(frozen=True)
class Services:
    db: Database
    overview: OverviewService
    incidents: IncidentService
    roster: RosterService
    shelters: ShelterEditor
    movements: MovementService
    workflow: IncidentWorkflow
    search: IncidentSearch
    handover: HandoverService
    duty_report: DutyReportService
    office: OfficeSettings
    staff: StaffService
    reports: IncidentReportService
    stats: DisasterStats
    access: AccessService
    audit: AuditService

    @classmethod
    def on(cls, db: Database) -> Services:
        """Every service on ``db``; they share its clock."""
        return cls(
            db=db,
            overview=OverviewService(db),
            incidents=IncidentService(db, PlaceService(db)),
            roster=RosterService(db),
            shelters=ShelterEditor(db),
            movements=MovementService(db),
            workflow=IncidentWorkflow(db),
            search=IncidentSearch(db),
            handover=HandoverService(db),
            duty_report=DutyReportService(db),
            office=OfficeSettings(db),
            staff=StaffService(db),
            reports=IncidentReportService(db),
            stats=DisasterStats(db),
            access=AccessService(db),
            audit=AuditService(db),
        )
