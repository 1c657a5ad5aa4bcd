"""Is a server there, and does it answer its own protocol? Standard library only.

A TCP accept is not enough: Kafka binds its port well before it serves
requests, so we ask each server something real (Kafka ApiVersions, MongoDB
`ping`, HTTP `/readyz`).
"""

from __future__ import annotations

import http.client
import itertools
import socket
import struct
import urllib.error
import urllib.request

_request_ids = itertools.count(1)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed early")
        chunks += chunk
    return bytes(chunks)


# ---------------------------------------------------------------- Kafka

_API_VERSIONS_KEY = 18


def kafka_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when the broker serves an ApiVersions (v0) request without error.

    Kafka enables request processing on its client listener only once the
    broker is registered and unfenced, so an answer means clients can work.
    """
    correlation_id = next(_request_ids)
    client_id = b"devstack"
    header = struct.pack(">hhih", _API_VERSIONS_KEY, 0, correlation_id, len(client_id))
    request = header + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            answer = _recv_exact(sock, size)
    except OSError:
        return False
    answered_id, error_code = struct.unpack_from(">ih", answer)
    return bool(answered_id == correlation_id and error_code == 0)


# ---------------------------------------------------------------- MongoDB wire

_OP_MSG = 2013


def _bson_document(elements: bytes) -> bytes:
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


def _bson_ok(document: bytes) -> bool:
    """Whether a reply document has `ok: 1` (the only field we need to read)."""
    fixed_sizes = {0x01: 8, 0x08: 1, 0x10: 4, 0x11: 8, 0x12: 8}
    position, end = 4, len(document) - 1
    while position < end:
        kind = document[position]
        name_end = document.index(b"\x00", position + 1)
        name = document[position + 1 : name_end]
        position = name_end + 1
        if name == b"ok":
            if kind == 0x01:
                return bool(struct.unpack_from("<d", document, position)[0] == 1.0)
            if kind == 0x10:
                return bool(struct.unpack_from("<i", document, position)[0] == 1)
            return False
        if kind in fixed_sizes:
            position += fixed_sizes[kind]
        elif kind == 0x02:  # string: int32 length, then that many bytes
            position += 4 + struct.unpack_from("<i", document, position)[0]
        elif kind in (0x03, 0x04):  # document / array: int32 total length
            position += struct.unpack_from("<i", document, position)[0]
        else:
            return False  # a type we do not parse; `ok` comes first in practice
    return False


def mongo_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when the server answers `{ping: 1}` on `admin` with ok: 1 (OP_MSG)."""
    command = _bson_document(
        b"\x10ping\x00"
        + struct.pack("<i", 1)
        + b"\x02$db\x00"
        + struct.pack("<i", len(b"admin\x00"))
        + b"admin\x00"
    )
    body = struct.pack("<I", 0) + b"\x00" + command  # flag bits, section kind 0, document
    header = struct.pack("<iiii", 16 + len(body), next(_request_ids), 0, _OP_MSG)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(header + body)
            (length,) = struct.unpack("<i", _recv_exact(sock, 4))
            reply = _recv_exact(sock, length - 4)
    except OSError:
        return False
    # reply: requestID, responseTo, opCode (12 bytes), flag bits (4), section kind (1), document
    if struct.unpack_from("<i", reply, 8)[0] != _OP_MSG:
        return False
    return _bson_ok(reply[17:])


# ---------------------------------------------------------------- HTTP


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
        return False
