"""Print a development token (HS256, signed with the dev secret).

    python -m lingban_kit.devtokens --role township_secretary --region 340881100000

Only for `make up` and tests: production verifies tokens from the identity
provider through LINGBAN_AUTH_JWKS_URL.
"""

from __future__ import annotations

import argparse
import os

from lingban_kit.auth import DEV_JWT_SECRET, Role, issue_dev_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", action="append", choices=[r.value for r in Role], required=True)
    parser.add_argument("--region", required=True, help="12-digit division code of the user's unit")
    parser.add_argument("--sub", default=None, help="user id (default: derived from role+region)")
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    sub = args.sub or f"{args.role[0]}-{args.region}"
    token = issue_dev_token(
        secret=os.environ.get("LINGBAN_AUTH_JWT_SECRET", DEV_JWT_SECRET),
        sub=sub,
        name=args.name or sub,
        roles=[Role(r) for r in args.role],
        region=args.region,
    )
    print(token)


if __name__ == "__main__":
    main()
