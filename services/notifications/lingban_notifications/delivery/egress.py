"""Where a webhook may point: the robot hosts, never inside the network (SSRF, LB-07).

A contact's webhook URL is typed by a township user, and the service POSTs to
it from inside the cluster. So a URL must be https, name no user info, have a
valid port, name an allowed host (by default the three chat-robot services),
and every address its host resolves to must be public: not loopback, private,
link-local (169.254.169.254, the cloud metadata service), shared (100.64/10,
another cloud's metadata) or reserved. The check runs when a contact is stored
(without DNS for allow-listed hosts, so storing never depends on the resolver)
and again, with DNS, before every send: a name can be re-pointed later.

What stays open: between the check and httpx's own lookup a hostile DNS server
could answer differently (rebinding). The allow-list closes that for the
robot hosts; an egress NetworkPolicy or proxy is the complete answer (LB-20).

`allow_loopback` is for the dev/test stack's fake robot on 127.0.0.1: it
admits loopback addresses, over http too, and nothing else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

ROBOT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com", "open.feishu.cn")
_LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class Refusal:
    """Why a URL is refused, for a person (zh) and for logs and English clients."""

    message: str
    message_en: str


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _ip(host: str) -> IpAddress | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped if mapped is not None else ip


@dataclass(frozen=True)
class WebhookPolicy:
    allowed_hosts: frozenset[str] = field(default_factory=lambda: frozenset(ROBOT_HOSTS))
    allow_loopback: bool = False
    resolve: Resolver = system_resolve

    @classmethod
    def of(cls, allowed_hosts: Iterable[str], allow_loopback: bool) -> WebhookPolicy:
        return cls(frozenset(h.strip().lower() for h in allowed_hosts if h.strip()), allow_loopback)

    def _address_ok(self, ip: IpAddress) -> bool:
        if ip.is_loopback:
            return self.allow_loopback
        return ip.is_global and not ip.is_multicast

    def _loopback_host(self, host: str) -> bool:
        ip = _ip(host)
        return host in _LOOPBACK_NAMES if ip is None else ip.is_loopback

    def problem(self, url: str) -> Refusal | None:
        """Everything that can be decided without DNS; None when the URL may be stored."""
        try:
            parsed = httpx.URL(url)
            port = parsed.port
        except (httpx.InvalidURL, ValueError):
            return Refusal("webhook 地址无法解析", "The webhook URL cannot be parsed")
        host = parsed.host.lower()
        if not host or parsed.scheme not in ("http", "https"):
            return Refusal("webhook 地址必须是 https 网址", "The webhook URL must be an https URL")
        if port is not None and not 1 <= port <= 65535:
            return Refusal(f"webhook 端口 {port} 无效", f"The webhook port {port} is invalid")
        if parsed.userinfo:
            return Refusal(
                "webhook 地址不能包含用户名或密码", "The webhook URL must not contain credentials"
            )
        loopback = self.allow_loopback and self._loopback_host(host)
        if parsed.scheme != "https" and not loopback:
            return Refusal("webhook 地址必须使用 https", "The webhook URL must use https")
        if loopback:
            return None
        ip = _ip(host)
        if ip is not None and not self._address_ok(ip):
            return _inside(host)
        if self.allowed_hosts and host not in self.allowed_hosts:
            hosts = "、".join(sorted(self.allowed_hosts))
            return Refusal(
                f"webhook 只能指向以下机器人服务：{hosts}",
                f"The webhook must point at one of the robot hosts: {', '.join(sorted(self.allowed_hosts))}",
            )
        return None

    async def refusal(self, url: str, *, resolve: bool = True) -> Refusal | None:
        """`problem`, then (with `resolve`) every address the host resolves to."""
        found = self.problem(url)
        if found is not None or not resolve:
            return found
        parsed = httpx.URL(url)
        host = parsed.host.lower()
        if _ip(host) is not None:
            return None  # a literal address: `problem` judged it
        try:
            addresses = await self.resolve(host, parsed.port or 443)
        except OSError:
            return Refusal(f"无法解析主机 {host}", f"The host {host} does not resolve")
        ips = [_ip(a) for a in addresses]
        if not ips or any(ip is None or not self._address_ok(ip) for ip in ips):
            return _inside(host)
        return None


def _inside(host: str) -> Refusal:
    return Refusal(
        f"webhook 主机 {host} 指向本机、内网或保留地址，不允许",
        f"The webhook host {host} points at a loopback, private or reserved address",
    )
