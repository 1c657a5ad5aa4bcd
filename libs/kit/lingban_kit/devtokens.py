"""Print development tokens (HS256, signed with the dev secret).

    python -m lingban_kit.devtokens --role township_secretary --region 340881100000
    python -m lingban_kit.devtokens --demo      # one token per demo user, as a table

Only for `make up` and tests: production verifies tokens from the identity
provider through LINGBAN_AUTH_JWKS_URL.
"""

from __future__ import annotations

import argparse
import os

from lingban_contracts.divisions import Level, default_tree
from lingban_kit.auth import DEV_JWT_SECRET, Role, issue_dev_token

# The demo member department's id (the demo directory's `member-department:agriculture`).
DEMO_DEPARTMENT = "agriculture"


def demo_users() -> list[tuple[str, Role, str]]:
    """(description, role, region) for the demo tree: every kind of user, in several units.

    Two townships and three villages (two in the first township, one in the second),
    so that jurisdiction can be seen: a village secretary sees only their village,
    a township secretary only their township's villages.
    """
    tree = default_tree()
    city = next(u for u in tree if u.level is Level.CITY)
    townships = [u for u in tree if u.level is Level.TOWNSHIP][:2]
    first, second = townships
    first_villages = tree.children(first.code)[:2]
    second_village = tree.children(second.code)[0]
    return [
        (f"{city.name}组织部", Role.CITY_ORG, city.code),
        (f"{city.name}领导（只读）", Role.LEADER, city.code),
        (f"{city.name}督导组成员", Role.SUPERVISOR, city.code),
        *((f"{t.name}党委书记", Role.TOWNSHIP_SECRETARY, t.code) for t in townships),
        (f"{first.name}工作人员", Role.TOWNSHIP_STAFF, first.code),
        *(
            (f"{v.name}书记", Role.VILLAGE_SECRETARY, v.code)
            for v in (*first_villages, second_village)
        ),
        ("外部订阅系统", Role.SUBSCRIBER, city.code),
        (f"{city.name}农业农村局（成员单位）", Role.MEMBER_DEPARTMENT, city.code),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="print a token for each demo user")
    parser.add_argument("--role", action="append", choices=[r.value for r in Role])
    parser.add_argument("--region", help="12-digit division code of the user's unit")
    parser.add_argument("--sub", default=None, help="user id (default: role@region)")
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    secret = os.environ.get("LINGBAN_AUTH_JWT_SECRET", DEV_JWT_SECRET)
    if args.demo:
        for description, role, region in demo_users():
            sub = f"{role.value}@{region}"
            token = issue_dev_token(
                secret=secret, sub=sub, name=description, roles=[role], region=region
            )
            print(f"# {description}  ({role.value}, {region})\n{token}\n")
        return
    if not args.role or not args.region:
        parser.error("give --role and --region, or --demo")
    sub = args.sub or f"{args.role[0]}@{args.region}"
    print(
        issue_dev_token(
            secret=secret,
            sub=sub,
            name=args.name or sub,
            roles=[Role(r) for r in args.role],
            region=args.region,
        )
    )


if __name__ == "__main__":
    main()
