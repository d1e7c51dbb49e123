"""Content-Encoding as HTTP allows it (RFC 9110, 8.4): a server may compress any answer, and a client may compress
a request body. httpx decodes what it reads itself; this module is for every body the harness reads without it:
the raw socket of probes/_unrecorded.py, cassette bodies (vcrpy decodes only gzip and deflate, and only when it
recorded them), and the request bodies the emulators journal.

Decoded: `gzip` (and `x-gzip`), `deflate` (the zlib format, or raw deflate as some servers send it), `identity`, and
`br` / `zstd` only where a decoder is installed (brotli or brotlicffi; zstandard). Anything else raises
UnsupportedEncoding, whose message names the encoding and says that it is not supported, so that an answer the
harness cannot read is never judged as a malformed one.
"""

from __future__ import annotations

import gzip
import importlib
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class UnsupportedEncoding(ValueError):
    """A Content-Encoding this harness has no decoder for, or a body that is not in the encoding it claims."""


def _gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -zlib.MAX_WBITS)  # raw deflate, without the zlib header


def _brotli() -> Callable[[bytes], bytes] | None:
    for name in ("brotli", "brotlicffi"):
        try:
            module: Any = importlib.import_module(name)
        except ImportError:
            continue
        return lambda data: bytes(module.decompress(data))
    return None


def _zstd() -> Callable[[bytes], bytes] | None:
    try:
        module: Any = importlib.import_module("zstandard")
    except ImportError:
        return None
    return lambda data: bytes(module.ZstdDecompressor().decompressobj().decompress(data))


DECODERS: dict[str, Callable[[bytes], bytes]] = {"gzip": _gunzip, "x-gzip": _gunzip, "deflate": _inflate}
for _name, _decoder in (("br", _brotli()), ("zstd", _zstd())):
    if _decoder is not None:
        DECODERS[_name] = _decoder


def supported() -> tuple[str, ...]:
    """The encodings decoded here (besides identity)."""
    return tuple(DECODERS)


def accept_encoding() -> str:
    """An Accept-Encoding header offering what can be decoded here, as httpx offers it."""
    return ", ".join(name for name in DECODERS if name != "x-gzip")


def codings(header: str | Sequence[str] | None) -> list[str]:
    """The codings a Content-Encoding header lists, in the order they were applied (identity left out)."""
    values = [header] if isinstance(header, str) else list(header or [])
    names = [part.strip().lower() for value in values for part in str(value).split(",")]
    return [name for name in names if name and name != "identity"]


def decode(body: bytes, header: str | Sequence[str] | None) -> bytes:
    """`body` with every coding in `header` undone (the last applied is undone first)."""
    for name in reversed(codings(header)):
        decoder = DECODERS.get(name)
        if decoder is None:
            raise UnsupportedEncoding(
                f"Content-Encoding {name} is not supported by this harness "
                f"(it decodes {', '.join(supported())}; br needs the brotli package, zstd the zstandard package)"
            )
        try:
            body = decoder(body)
        except Exception as exc:  # each library raises its own error class for a corrupt body
            raise UnsupportedEncoding(f"the body is not valid {name} data (Content-Encoding {name}): {exc}") from exc
    return body


def header_of(headers: Mapping[str, Any]) -> Any:
    """The Content-Encoding value(s) of a header mapping, whatever the case of its name."""
    return next((value for key, value in headers.items() if str(key).lower() == "content-encoding"), None)
