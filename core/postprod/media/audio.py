"""Safe decoding of narration audio (WAV, FLAC, MP3, M4A/AAC, OGG/Opus) to 16 kHz mono float32."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..contract.errors import AudioEmpty, AudioUndecodable, UnsupportedMediaType

SAMPLE_RATE = 16_000
"""Rate of every decoded signal, Hz."""

SUPPORTED_FORMATS = ("wav", "flac", "mp3", "m4a", "aac", "ogg")
"""Container families accepted (contract §4.1); Opus and Vorbis live in `ogg`."""

LOSSY_FORMATS = frozenset({"mp3", "m4a", "aac", "ogg"})
"""Families whose codecs are lossy (their transients smear; WAV and FLAC are kept exact)."""

ALLOWED_TEXT = "WAV, FLAC, MP3, M4A/AAC or OGG/Opus audio"

AudioSource = str | Path | bytes

ADTS_PRIMING_SAMPLES = 1024
"""Encoder delay of AAC-LC, source samples; dropped from raw ADTS streams (M4A says its own)."""


@dataclass(frozen=True)
class DecodedAudio:
    """A decoded narration.

    Attributes:
        samples: np.ndarray [shape=(n,)], float32 in [-1, 1], 16 kHz mono.
        duration_sec: decoded duration at the source's own rate (samples / rate), seconds;
            this is what prices the request.
        source_rate: the source's sample rate, Hz.
        source_channels: the source's channel count.
        format: the sniffed container family (one of `SUPPORTED_FORMATS`).
    """

    samples: np.ndarray
    duration_sec: float
    source_rate: int
    source_channels: int
    format: str

    @property
    def lossy(self) -> bool:
        """The source was coded lossily (MP3, AAC, Opus, Vorbis)."""
        return self.format in LOSSY_FORMATS


def source_size(audio: AudioSource) -> int:
    """Byte size of ``audio`` (a path or the bytes themselves).

    Raises:
        AudioUndecodable: a path that does not name a readable file.
    """
    if isinstance(audio, bytes | bytearray):
        return len(audio)
    try:
        return Path(audio).stat().st_size
    except OSError:
        raise AudioUndecodable("the audio file cannot be read", field="audio",
                               allowed=ALLOWED_TEXT) from None


def _head(audio: AudioSource, n: int = 64) -> bytes:
    if isinstance(audio, bytes | bytearray):
        return bytes(audio[:n])
    with open(audio, "rb") as fh:
        return fh.read(n)


def sniff_format(head: bytes) -> str | None:
    """The container family of a file from its first bytes, or None when not one we accept.

    Args:
        head: at least the first 16 bytes of the file.
    """
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3":
        # ID3v2 precedes MP3 frames (and rarely FLAC/AAC); the decoder finds out which.
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        layer = (head[1] >> 1) & 0x3
        return "aac" if layer == 0 else "mp3"
    return None


def _unsupported(head: bytes) -> UnsupportedMediaType:
    return UnsupportedMediaType("the audio file is not a supported audio format",
                                field="audio", allowed=ALLOWED_TEXT)


def check_format(audio: AudioSource) -> str:
    """Sniff ``audio`` and return its container family.

    Raises:
        UnsupportedMediaType: the first bytes are not those of a supported audio format.
        AudioEmpty: a zero-byte file.
    """
    head = _head(audio)
    if not head:
        raise AudioEmpty("the audio file is empty (0 bytes)", field="audio",
                         allowed="audio with speech")
    fmt = sniff_format(head)
    if fmt is None:
        raise _unsupported(head)
    return fmt


def _open(audio: AudioSource) -> Any:
    import av

    src: Any = io.BytesIO(bytes(audio)) if isinstance(audio, bytes | bytearray) else str(audio)
    try:
        return av.open(src, mode="r", metadata_errors="ignore")
    except Exception:
        raise AudioUndecodable("the audio file cannot be decoded (damaged or truncated)",
                               field="audio", allowed=ALLOWED_TEXT) from None


def probe_duration_sec(audio: AudioSource) -> float | None:
    """Duration the container declares, seconds, without decoding; None when it declares none.

    Raises:
        UnsupportedMediaType, AudioUndecodable, AudioEmpty: as `check_format` / opening.
    """
    check_format(audio)
    container = _open(audio)
    try:
        streams = container.streams.audio
        if not streams:
            raise AudioUndecodable("the file has no audio stream", field="audio",
                                   allowed=ALLOWED_TEXT)
        stream = streams[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return float(container.duration) / 1_000_000.0
        return None
    finally:
        container.close()


def _mono(frame: Any) -> np.ndarray:
    """One resampled planar float frame as mono: the mean of its channels."""
    planes = frame.to_ndarray()
    return np.asarray(planes.mean(axis=0) if planes.ndim == 2 else planes.reshape(-1),
                      dtype=np.float32)


def decode_audio(audio: AudioSource, *, max_duration_sec: float | None = None) -> DecodedAudio:
    """Decode ``audio`` (any rate, any channel count) to 16 kHz mono float32.

    Args:
        audio: a path or the file's bytes.
        max_duration_sec: stop with `AudioUndecodable`-free truncation guard: decoding stops
            once this many seconds (plus one) were read, so a lying container cannot make us
            decode hours; the caller compares `duration_sec` against its limit.

    Returns:
        DecodedAudio (duration measured in source samples, so it is exact for WAV and FLAC).

    Raises:
        UnsupportedMediaType: not a supported format by its first bytes.
        AudioUndecodable: a supported format that fails to decode, or has no audio stream.
        AudioEmpty: no samples at all.
    """
    import av

    fmt = check_format(audio)
    container = _open(audio)
    chunks: list[np.ndarray] = []
    source_samples = 0
    rate = 0
    channels = 0
    try:
        streams = container.streams.audio
        if not streams:
            raise AudioUndecodable("the file has no audio stream", field="audio",
                                   allowed=ALLOWED_TEXT)
        stream = streams[0]
        rate = int(stream.rate or stream.codec_context.sample_rate or 0)
        channels = int(stream.codec_context.channels or 0)
        # Resample every channel, then average: a fixed downmix matrix can clip 5.1 sources.
        resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
        limit = None if max_duration_sec is None else (max_duration_sec + 1.0)
        for frame in container.decode(stream):
            source_samples += frame.samples
            rate = rate or int(frame.sample_rate)
            for out in resampler.resample(frame):
                chunks.append(_mono(out))
            if limit is not None and rate and source_samples / rate > limit:
                break
        else:
            for out in resampler.resample(None):
                chunks.append(_mono(out))
    except (AudioUndecodable, AudioEmpty):
        raise
    except Exception:
        if source_samples == 0:
            raise AudioUndecodable("the audio file cannot be decoded (damaged or truncated)",
                                   field="audio", allowed=ALLOWED_TEXT) from None
        # A damaged tail: keep what decoded cleanly, as players do.
    finally:
        container.close()
    if source_samples == 0 or not chunks:
        raise AudioEmpty("the audio file contains no samples", field="audio",
                         allowed="audio with speech")
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    if fmt == "aac" and rate:
        # Raw ADTS carries no priming information; AAC-LC always primes 1024 samples.
        skip = min(ADTS_PRIMING_SAMPLES, source_samples - 1)
        samples = samples[round(skip * SAMPLE_RATE / rate):]
        source_samples -= skip
    np.clip(samples, -1.0, 1.0, out=samples)
    return DecodedAudio(samples=samples, duration_sec=source_samples / float(rate),
                        source_rate=rate, source_channels=channels, format=fmt)
