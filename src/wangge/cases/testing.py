"""Cases on top of the sample district, for tests across apps (permissions walker, browser).

    城管 (department, district-wide)  ← street fallback rule, and category 噪音扰民's default
    派出所 (department)                ← 金台里社区 fallback rule; member: the sample's `police` user
    `chengguan` (new user)              member of 城管
One case per grid, submitted by the district admin at the grid's centre and auto-dispatched:
幸福一村's to 城管, 金台里's to 派出所.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from wangge.cases import services
from wangge.cases.models import Case, Category, Channel, Department, Responsibility
from wangge.core.testing import LAT0, LON0, PASSWORD, STEP, SampleDistrict

CATEGORIES_CSV = """code,name,name_en,parent_code,kind,source,department,response_hours,handle_working_days
01,公用设施,Public facilities,,component,GB/T 30428.2,城管,2,5
0101,井盖,Manhole cover,01,component,GB/T 30428.2,城管,2,3
02,市容环境,City appearance,,event,GB/T 30428.2,城管,2,5
0201,暴露垃圾,Exposed garbage,02,event,GB/T 30428.2,城管,2,2
H01,噪音扰民,Noise,,complaint,12345,城管,2,3
H02,物业管理,Property management,,complaint,12345,住建,4,5
H03,违章停车,Illegal parking,,complaint,12345,公安,1,2
"""


def load_test_categories() -> None:
    services.load_categories(None, CATEGORIES_CSV.encode(), file_name="categories.csv")


def grid_centre(sample: SampleDistrict, index: int) -> tuple[float, float]:
    return LON0 + (index + 0.5) * STEP, LAT0 + 0.5 * STEP


def build_sample_cases(sample: SampleDistrict) -> dict[str, Any]:
    load_test_categories()
    chengguan = Department.objects.get(name="城管")
    police = Department.objects.create(code="pcs", name="派出所")
    Responsibility.objects.create(region=sample.street, category=None, department=chengguan)
    Responsibility.objects.create(region=sample.communities[1], category=None, department=police)
    handler = get_user_model().objects.create_user(username="chengguan", password=PASSWORD)
    services.add_department_member(None, handler, chengguan)
    services.add_department_member(None, sample.users["police"], police)
    sample.users["chengguan"] = handler
    noise = Category.objects.get(code="H01")
    cases: list[Case] = []
    for index, grid in enumerate(sample.grids):
        lon, lat = grid_centre(sample, index)
        cases.append(
            services.submit_case(
                sample.users["admin"],
                channel=Channel.API,
                title=f"{grid.name}楼下夜间施工噪音",
                description="晚上十一点后还在施工",
                category=noise,
                lon=lon,
                lat=lat,
                reporter_name="赵女士",
                reporter_phone=f"1370000{index:04d}",
            )
        )
    return {"departments": {"城管": chengguan, "派出所": police}, "cases": cases}
