"""DUIDs (RFC 9915 section 11): the suite's fake servers identify themselves with DUID-LL."""
import struct

DUID_LLT, DUID_EN, DUID_LL, DUID_UUID = 1, 2, 3, 4
HW_ETHERNET = 1


def duid_ll(mac: str) -> bytes:
    return struct.pack("!HH", DUID_LL, HW_ETHERNET) + bytes.fromhex(mac.replace(":", ""))


def duid_llt(mac: str, seconds: int) -> bytes:
    """DUID-LLT (RFC 9915 11.2): `seconds` since midnight UTC, 1 January 2000, then the link-layer address."""
    return struct.pack("!HHI", DUID_LLT, HW_ETHERNET, seconds & 0xFFFFFFFF) + bytes.fromhex(mac.replace(":", ""))


def describe(duid: bytes | None) -> str:
    """Short readable form for timelines: type and hex."""
    if duid is None:
        return "-"
    kind = {DUID_LLT: "LLT", DUID_EN: "EN", DUID_LL: "LL", DUID_UUID: "UUID"}.get(
        int.from_bytes(duid[:2], "big") if len(duid) >= 2 else -1, "?")
    return f"{kind}:{duid.hex()}"
