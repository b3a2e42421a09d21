"""Who is on the other end of the connection, for throttles and rate limits.

Behind a reverse proxy every request comes from the proxy's address, so the client is read from
`X-Forwarded-For` — but only when the peer is a proxy named in `TRUSTED_PROXIES` (anyone can send the
header). The address is the right-most one in the chain that is not itself a trusted proxy: each proxy
appends the address it saw, so everything left of that may be forged by the client.

An IPv6 client controls its whole /64 (one home or phone gets one), so IPv6 addresses count by /64.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:5000"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def client_address(request: Request, trusted_proxies: Sequence[IPNetwork]) -> str:
    """The client's address as a throttle key: IPv4 as is, IPv6 as its /64 network."""
    peer = _address(request.client.host) if request.client else None
    if peer is None:
        return "unknown"
    address = peer
    if trusted_proxies and _trusted(peer, trusted_proxies):
        hops = [hop for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
        for hop in reversed(hops):
            candidate = _address(hop)
            if candidate is None:
                break  # a garbled entry: trust nothing left of it, keep the last good one
            address = candidate
            if not _trusted(candidate, trusted_proxies):
                break
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
