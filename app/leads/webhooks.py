"""Standard Webhooks signing and the SSRF guard for bank endpoints.

Signing (https://www.standardwebhooks.com): headers `webhook-id` (the same on every retry of one event),
`webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
keyed with the base64 part of the `whsec_` secret.

SSRF: a URL must be https, or http to a host named in WEBHOOK_ALLOW_HOSTS; its host is resolved and every
address must be public (not private, loopback, link-local — which covers 169.254.169.254 — shared,
multicast, reserved or unspecified) unless the host is so named. The guard runs when a subscription is
saved and again before every delivery, and the delivery connects to the address it checked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.kit import secret_box

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_PURPOSE = "webhook-secret"  # noqa: S105 - the key-derivation label, not a secret
# Amazon's IPv6 metadata address sits in a unique-local range (covered by is_private); named for clarity.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why and what to do (`zh`: the same in Chinese)."""

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def seal_secret(signing_key: str, subscription_id: str, secret: str) -> str:
    """How a signing secret is stored: sealed with SECRET_KEY, bound to its subscription."""
    return secret_box.seal(signing_key, SECRET_PURPOSE, subscription_id, secret)


def open_secret(signing_key: str, subscription_id: str, stored: str) -> str:
    return secret_box.open_sealed(signing_key, SECRET_PURPOSE, subscription_id, stored)


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, message_id: str, timestamp: int, body: str, header: str) -> bool:
    """What a receiver does (used by the tests): any of the space-separated signatures may match."""
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in header.split())


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return not (
        address in METADATA_ADDRESSES
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10"))
        or (
            isinstance(address, ipaddress.IPv6Address)
            and address.sixtofour is not None
            and not _public(address.sixtofour)
        )
    )


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to call it (`host`, for Host and SNI)."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def connect_url(self) -> str:
        literal = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{literal}:{self.port}{self.path}"


DEFAULT_PORTS = frozenset({80, 443})


def check_shape(url: str, allow_hosts: Sequence[str]) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of an acceptable URL (no resolution yet)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("is not a valid URL", zh="不是有效的网址") from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeUrl("must be an https URL with a host", zh="必须是带主机名的 https 网址")
    if parts.username or parts.password:
        raise UnsafeUrl(
            "must not carry credentials; use the signing secret to authenticate us",
            zh="不能包含用户名或密码；请用签名密钥验证我们的请求",
        )
    if parts.scheme == "http" and host not in allow_hosts:
        raise UnsafeUrl(
            "must be https (plain http only to hosts named in WEBHOOK_ALLOW_HOSTS)",
            zh="必须使用 https（只有 WEBHOOK_ALLOW_HOSTS 中列出的主机才可用普通 http）",
        )
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, path


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> UnsafeUrl:
    """Why an address the caller wrote is refused (a name's resolved addresses are never described)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        kind, zh = "a cloud metadata address", "云元数据地址"
    elif address.is_loopback:
        kind, zh = "a loopback address", "回环地址"
    elif address.is_link_local:
        kind, zh = "a link-local address", "链路本地地址"
    elif address.is_private:
        kind, zh = "a private address", "私有地址"
    else:
        kind, zh = "not a public address", "非公网地址"
    return UnsafeUrl(
        f"is {kind}; only public endpoints are called "
        "(operators can name internal hosts in WEBHOOK_ALLOW_HOSTS)",
        zh=f"是{zh}；只会调用公网地址（运维人员可在 WEBHOOK_ALLOW_HOSTS 中指定内部主机）",
    )


async def resolve(url: str, allow_hosts: Sequence[str], allow_ports: Collection[int] = ()) -> Target:
    """The URL checked and resolved; raises UnsafeUrl for anything we must not call. The message never
    shows what a name resolved to, so the guard cannot be used to map internal addresses. Ports other
    than 443 and 80 only as WEBHOOK_ALLOW_PORTS names them (hosts in WEBHOOK_ALLOW_HOSTS may use any)."""
    scheme, host, port, path = check_shape(url, allow_hosts)
    allowed = host in allow_hosts
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None and not allowed and not _public(literal):
        raise _refusal(literal)
    if not allowed and port not in DEFAULT_PORTS and port not in allow_ports:
        raise UnsafeUrl(
            f"must use port 443 or 80, not {port} (other ports only as named in WEBHOOK_ALLOW_PORTS)",
            zh=f"只能使用 443 或 80 端口，不能用 {port}（其他端口须列入 WEBHOOK_ALLOW_PORTS）",
        )
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError) as exc:
            raise UnsafeUrl(
                f"host {host!r} does not resolve; check the name", zh=f"主机 {host!r} 无法解析，请检查名称"
            ) from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(f"host {host!r} has no address", zh=f"主机 {host!r} 没有地址")
    if not allowed and not all(_public(a) for a in addresses):
        raise UnsafeUrl(
            "resolves to an address that is not public; only public endpoints are called "
            "(operators can name internal hosts in WEBHOOK_ALLOW_HOSTS)",
            zh="解析到的地址不是公网地址；只会调用公网地址"
            "（运维人员可在 WEBHOOK_ALLOW_HOSTS 中指定内部主机）",
        )
    return Target(scheme=scheme, host=host.strip("[]"), port=port, address=str(addresses[0]), path=path)
