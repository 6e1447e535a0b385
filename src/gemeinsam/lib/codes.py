"""One-time codes printed on paper: voting codes (budgeting) and invitation codes (sortition).

Codes are read off paper and typed by hand, so the alphabet leaves out 0/O and 1/I/L, and
what people type is normalised (case, spaces, dashes) before it is compared or hashed.
"""

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 symbols: about 4.95 bits each


def new_code(length: int) -> str:
    """A random code of `length` symbols from a cryptographic source."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(typed: str) -> str:
    """What people type, as stored: upper case, spaces and dashes removed."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def grouped(code: str, size: int) -> str:
    """A code as printed, in groups joined by dashes, e.g. ABCD-EFGH-JKMN."""
    return "-".join(code[i : i + size] for i in range(0, len(code), size))
