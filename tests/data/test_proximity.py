"""周边查询: "which chemical plants are within 3 km", for every layer, nearest first."""

from __future__ import annotations

import uuid

import pytest

from app.data.engine import Database
from app.data.models import HazardSite, SupplyDepot
from app.data.uow import UnitOfWork
from app.domain.enums import IncidentStatus, TeamStatus
from app.domain.rules import RuleViolation
from app.services.proximity import ProximityService, problem_text
from tests.data.test_dispatch import add_team
from tests.data.test_evacuation import (
    ACTOR,
    KM_LAT,
    SEAT_LAT,
    SEAT_LON,
    SITE,
    add_incident,
    add_shelter,
    add_township,
    ops_db,
    ops_module_db,
)

__all__ = ["ops_db", "ops_module_db"]  # the module's database fixtures

EAST = KM_LAT / 0.827  # degrees of longitude in one km at the county seat


def add_hazard(
    db: Database,
    name: str,
    km_east: float,
    *,
    hazard_type: str = "chemical",
    retired: bool = False,
    township_id: uuid.UUID | None = None,
) -> uuid.UUID:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        site = HazardSite(
            name=name,
            hazard_type=hazard_type,
            risk_level="red",
            lon=SEAT_LON + km_east * EAST,
            lat=SEAT_LAT,
            township_id=township_id,
            retired_at=db.clock() if retired else None,
        )
        uow.session.add(site)
        uow.commit()
    return site.id


def test_chemical_plants_within_3_km_of_an_incident(ops_db: Database) -> None:
    town = add_township(ops_db)
    incident = add_incident(ops_db)
    far = add_hazard(ops_db, "远化工", 2.9, township_id=town)
    near = add_hazard(ops_db, "近化工", 0.8)
    west = add_hazard(ops_db, "西化工", -1.5)
    add_hazard(ops_db, "界外化工", 3.2)
    add_hazard(ops_db, "已停用化工", 0.5, retired=True)
    gas = add_hazard(ops_db, "燃气站", 1.0, hazard_type="gas")

    service = ProximityService(ops_db)
    chemical = service.within("hazards", 3, incident_id=incident, hazard_type="chemical")
    every = service.within("hazards", 3, incident_id=incident)

    assert [r.id for r in chemical] == [near, west, far]
    assert [r.distance_km for r in chemical] == [0.8, 1.5, 2.9]
    assert chemical[2].township == "龙城镇" and chemical[0].kind == "chemical"
    assert chemical[0].layer == "hazards" and chemical[0].name == "近化工"
    assert [r.id for r in every] == [near, gas, west, far]


def test_every_layer_from_a_point(ops_db: Database) -> None:
    shelter = add_shelter(ops_db, "县城体育场", 1, 500)
    add_shelter(ops_db, "已停用", 1, 500, retired=True)
    team = add_team(ops_db, "顺河路消防救援站", 2, status=TeamStatus.ON_SCENE)
    with UnitOfWork(ops_db, actor=ACTOR, site=SITE) as uow:
        depot = SupplyDepot(name="县级储备库", level="county", lon=SEAT_LON, lat=SEAT_LAT)
        uow.session.add(depot)
        uow.commit()
    centre = add_incident(ops_db, title="中心")
    other = add_incident(ops_db, title="附近事件", lat=SEAT_LAT + 2 * KM_LAT)
    add_incident(ops_db, title="已结束", status=IncidentStatus.CLOSED)
    service = ProximityService(ops_db)
    point = (SEAT_LON, SEAT_LAT)

    assert [r.id for r in service.within("shelters", 5, point=point)] == [shelter]
    assert [r.id for r in service.within("teams", 5, point=point)] == [team]
    assert [(r.id, r.kind) for r in service.within("depots", 5, point=point)] == [
        (depot.id, "county")
    ]
    assert [r.name for r in service.within("incidents", 5, point=point)] == ["中心", "附近事件"]
    # Around an incident, the incident itself is not its own neighbour.
    assert [r.id for r in service.within("incidents", 5, incident_id=centre)] == [other]
    assert {i.title for i in service.open_incidents()} == {"中心", "附近事件"}


def test_radius_bounds_and_centre(ops_db: Database) -> None:
    service = ProximityService(ops_db)
    add_hazard(ops_db, "九十九公里外", 99)
    assert len(service.within("hazards", 100, point=(SEAT_LON, SEAT_LAT))) == 1
    for radius in (0, -1, 100.5, float("nan")):
        with pytest.raises(RuleViolation) as refused:
            service.within("hazards", radius, point=(SEAT_LON, SEAT_LAT))
        assert problem_text(refused.value) == "半径须大于 0 且不超过 100 公里。"
    with pytest.raises(RuleViolation) as neither:
        service.within("hazards", 3)
    assert neither.value.code == "proximity.centre"
    with pytest.raises(RuleViolation) as layer:
        service.within("villages", 3, point=(SEAT_LON, SEAT_LAT))
    assert layer.value.code == "proximity.layer"
    with pytest.raises(RuleViolation) as bad_point:
        service.within("hazards", 3, point=(SEAT_LON, 95.0))
    assert bad_point.value.code == "point.invalid"
    unplaced = add_incident(ops_db, lon=None, lat=None)
    with pytest.raises(RuleViolation) as no_position:
        service.within("hazards", 3, incident_id=unplaced)
    assert "没有位置" in problem_text(no_position.value)
