"""Demo data for `make up`, loaded through the services' public HTTP APIs.

Modelled on the Tongcheng (桐城) report: 15 townships and streets, each with
villages and communities that declare their secretary-led projects. Loading is
idempotent: a unit that already has a project for the year is skipped, so a
second `make up` adds nothing.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from datetime import date
from typing import Any

from lingban_kit.auth import DEV_JWT_SECRET, Role, issue_dev_token

YEAR = 2026
CITY = "340881000000"  # 桐城市 (county-level city)
TOWNSHIPS = [
    ("340881001000", "文昌街道"),
    ("340881002000", "龙腾街道"),
    ("340881003000", "龙眠街道"),
    ("340881100000", "新渡镇"),
    ("340881101000", "双港镇"),
    ("340881102000", "范岗镇"),
    ("340881103000", "孔城镇"),
    ("340881104000", "吕亭镇"),
    ("340881105000", "唐湾镇"),
    ("340881106000", "金神镇"),
    ("340881107000", "大关镇"),
    ("340881108000", "青草镇"),
    ("340881109000", "嬉子湖镇"),
    ("340881110000", "黄甲镇"),
    ("340881111000", "鲟鱼镇"),
]
CATEGORIES = ["小区治理", "议事协商", "民声呼应", "民生服务"]
PROJECT_IDEAS = [
    ("老旧小区加装电梯", "老人上下楼难，群众反映强烈"),
    ("“板凳议事会”常态化", "村民议事渠道不畅，矛盾化解慢"),
    ("12345 诉求“接诉即办”", "群众诉求办理不及时"),
    ("“一老一小”助餐服务", "留守老人吃饭难"),
    ("背街小巷环境整治", "背街小巷脏乱差"),
    ("矛盾纠纷“三调联动”", "邻里纠纷反复发生"),
]
VILLAGES_PER_TOWNSHIP = 2


def _village_codes(township: str) -> list[str]:
    return [f"{township[:9]}{201 + i:03d}" for i in range(VILLAGES_PER_TOWNSHIP)]


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def declaration(unit_code: str, rng: random.Random) -> dict[str, Any]:
    title, problem = rng.choice(PROJECT_IDEAS)
    last_month = rng.randint(9, 12)
    return {
        "unit_code": unit_code,
        "year": YEAR,
        "title": title,
        "category": rng.choice(CATEGORIES),
        "problem": problem,
        "expected_goals": "年底前问题实质性解决，群众满意度 90% 以上",
        "evaluation_criteria": "治理成效明显、难点问题解决、既定计划完成",
        "lead_secretary": f"{unit_code[-3:]}村书记",
        "task_force": ["专班成员甲", "专班成员乙"],
        "deadline": date(YEAR, last_month, 28).isoformat(),
        "stage_tasks": [
            {
                "month": f"{YEAR}-{m:02d}",
                "task": f"第 {m} 月阶段任务",
                "deliverable": f"第 {m} 月成果",
            }
            for m in range(3, last_month + 1)
        ],
    }


def seed(service_urls: dict[str, str], secret: str = DEV_JWT_SECRET) -> int:
    """Declare one project per demo village that has none yet; returns how many."""
    token = issue_dev_token(
        secret=secret,
        sub="demo-org-dept",
        name="市委组织部（演示）",
        roles=[Role.CITY_ORG],
        region=CITY,
    )
    projects = service_urls["projects"].rstrip("/")
    existing = {
        p["unit_code"] for p in _get(f"{projects}/v1/projects?year={YEAR}&limit=500", token)
    }
    rng = random.Random(YEAR)
    created = 0
    for township, _name in TOWNSHIPS:
        for village in _village_codes(township):
            body = declaration(village, rng)
            if village in existing:
                continue
            status, answer = _post(f"{projects}/v1/projects", token, body)
            if status != 201:
                raise RuntimeError(f"demo declaration for {village} failed: {status} {answer}")
            created += 1
    return created
