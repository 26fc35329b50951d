"""`GET /api/inspections`: the inspections of special campaigns (专项检查) for departments'
systems and the offices — each place's inspection task with its state and the hazards its
checklist found, scoped like the place (`campaigns.inspections`)."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wangge.core.bounds import BoundedDate, RecordId
from wangge.inspections import campaigns
from wangge.inspections.api import CappedPagination
from wangge.inspections.models import CampaignCheck

router = Router(tags=["inspections"])


class InspectionOut(Schema):
    id: int
    task_id: int
    campaign_id: int
    campaign: str
    night_check: bool
    checklist: str = Field(description="检查表（表单编号）")
    place_id: int
    place_name: str
    place_kind: str
    grid_code: str | None
    status: str = Field(description="open、done 或 cancelled")
    status_label: str
    overdue: bool
    due_date: datetime.date
    completed_at: datetime.datetime | None
    assignee: str | None = Field(description="承办人；未指定时为网格员岗位")
    hazards_found: int

    @staticmethod
    def resolve_campaign(obj: CampaignCheck) -> str:
        return obj.campaign.name

    @staticmethod
    def resolve_night_check(obj: CampaignCheck) -> bool:
        return obj.campaign.night_check

    @staticmethod
    def resolve_checklist(obj: CampaignCheck) -> str:
        return obj.campaign.checklist

    @staticmethod
    def resolve_place_name(obj: CampaignCheck) -> str:
        return obj.place.name

    @staticmethod
    def resolve_place_kind(obj: CampaignCheck) -> str:
        return obj.place.kind

    @staticmethod
    def resolve_grid_code(obj: CampaignCheck) -> str | None:
        return obj.grid.code if obj.grid else None

    @staticmethod
    def resolve_status(obj: CampaignCheck) -> str:
        return obj.task.status

    @staticmethod
    def resolve_status_label(obj: CampaignCheck) -> str:
        return str(obj.task.get_status_display())

    @staticmethod
    def resolve_overdue(obj: CampaignCheck) -> bool:
        return obj.task.status == "open" and obj.task.due_date < timezone.localdate()

    @staticmethod
    def resolve_due_date(obj: CampaignCheck) -> datetime.date:
        return obj.task.due_date

    @staticmethod
    def resolve_completed_at(obj: CampaignCheck) -> datetime.datetime | None:
        return obj.task.completed_at

    @staticmethod
    def resolve_assignee(obj: CampaignCheck) -> str | None:
        user = obj.task.assignee
        if user is None:
            return None
        return user.get_full_name() or user.get_username()


class InspectionQuery(Schema):
    region: str = Field("", max_length=24, description="区域编码（街道、社区或网格）")
    campaign: RecordId | None = Field(None, description="专项检查编号")
    status: str = Field(
        "", max_length=16, description="open、done、cancelled 或 overdue（逾期未查）"
    )
    start: BoundedDate | None = Field(
        None, description="检查日期起（含）：已完成的按完成日期，未完成的按截止日期"
    )
    end: BoundedDate | None = Field(None, description="检查日期止（含）")


@router.get(
    "/inspections",
    response=list[InspectionOut],
    summary="专项检查的场所检查任务",
    description="`count` is exact up to 10,000; 10,001 means more than 10,000 inspections match.",
)
@paginate(CappedPagination, page_size=50)
def list_inspections(request: HttpRequest, filters: Query[InspectionQuery]) -> Any:
    return campaigns.inspections(
        request.user,
        campaigns.InspectionFilter(
            region=filters.region,
            campaign=filters.campaign,
            status=filters.status,
            start=filters.start,
            end=filters.end,
        ),
    )
