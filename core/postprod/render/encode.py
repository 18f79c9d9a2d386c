"""Write H.264 + AAC into an MP4 that Chromium plays, frame by frame (PyAV's own FFmpeg)."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

AAC_FRAME = 1024
"""Samples per AAC frame: audio is handed to the encoder in blocks of this size."""


class Mp4Writer:
    """One MP4 file: a video stream at the exact project rate (frame n has pts n) and a stereo
    AAC stream at the project's audio rate (sample s has pts s).

    Args:
        path: output file.
        size: (width, height), both even.
        rate: frames per second (exact).
        sample_rate: audio rate, Hz.
        crf: x264 constant quality (lower is better, 23 is x264's default).
        preset: x264 speed preset.
    """

    def __init__(self, path: Path, *, size: tuple[int, int], rate: Fraction, sample_rate: int,
                 crf: int = 23, preset: str = "veryfast") -> None:
        self.rate = rate
        self.sample_rate = sample_rate
        # faststart: the index goes first, so the browser plays while it downloads
        self.container: Any = av.open(str(path), mode="w", format="mp4",
                                      options={"movflags": "+faststart"})
        video = self.container.add_stream("libx264", rate=rate)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = Fraction(rate.denominator, rate.numerator)
        keyframe = max(1, round(rate * 2))  # a keyframe every ~2 s: cheap seeking in the page
        # A preview, mostly stills: a light motion search, no B-frames (what is decoded is
        # what was sent, in order) and a short lookahead cost a third less CPU than plain
        # veryfast and give smaller files on stills.
        video.options = {"crf": str(crf), "preset": preset, "g": str(keyframe),
                         "keyint_min": str(keyframe), "sc_threshold": "0",
                         "x264-params": "rc-lookahead=5:ref=1:subme=1:me=dia:trellis=0:"
                                        "bframes=0"}
        video.codec_context.color_range = 1  # MPEG (limited) range, what players expect
        self.video = video
        audio = self.container.add_stream("aac", rate=sample_rate)
        audio.layout = "stereo"
        audio.bit_rate = 160_000
        audio.options = {"aac_coder": "fast"}  # half the CPU of the default two-loop search
        audio.codec_context.time_base = Fraction(1, sample_rate)
        self.audio = audio
        self.frames_written = 0
        self.samples_written = 0

    @staticmethod
    def picture(rgb: np.ndarray) -> av.VideoFrame:
        """An RGB array as a frame in the encoder's pixel format (convert a still once, send
        it many times)."""
        return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")

    def write_frame(self, frame: av.VideoFrame) -> None:
        """Encode ``frame`` as the next video frame."""
        frame.pts = self.frames_written
        frame.time_base = self.video.codec_context.time_base
        for packet in self.video.encode(frame):
            self.container.mux(packet)
        self.frames_written += 1

    def write_audio(self, samples: np.ndarray) -> None:
        """Encode the next samples: np.ndarray [shape=(2, n)], float32, n <= 1024 (a shorter
        block only at the end)."""
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, dtype=np.float32),
                                           format="fltp", layout="stereo")
        frame.sample_rate = self.sample_rate
        frame.pts = self.samples_written
        frame.time_base = self.audio.codec_context.time_base
        for packet in self.audio.encode(frame):
            self.container.mux(packet)
        self.samples_written += samples.shape[1]

    def finish(self) -> None:
        """Flush both encoders and write the index."""
        for stream in (self.video, self.audio):
            for packet in stream.encode(None):
                self.container.mux(packet)
        self.container.close()

    def abort(self) -> None:
        """Close the file without flushing (after a failure or a cancel)."""
        with contextlib.suppress(av.FFmpegError, OSError, ValueError):
            self.container.close()
