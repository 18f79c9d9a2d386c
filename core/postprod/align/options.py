"""Every knob of the alignment in one dataclass, so notebooks can grid over them."""

from __future__ import annotations

from dataclasses import dataclass

from .transcribe import TranscribeOptions


@dataclass(frozen=True)
class AlignOptions:
    """Settings of Scene Timestamps. Defaults are the product's; each line says what it does."""

    onset_refinement: bool = True
    """Move each cut to the acoustic onset after the pause near the recognised word start."""
    calibrated_windows: bool = True
    """Use the calibration (per class and local-SNR band: shift and 90 % window); off: the
    uncalibrated defaults (±250 ms at an acoustic onset, ±400 ms otherwise)."""
    use_narration: bool = True
    """Align through `narrationText` when the request has one (off: cues only)."""
    beam_size: int = 5
    """Recogniser beam width (1 drops whole sentences on the small models)."""
    chunk_sec: float = 600.0
    """Longer audio is recognised in pieces cut at pauses near multiples of this, seconds."""
    vad_filter: bool = False
    """Let the recogniser skip non-speech with its bundled voice activity detector."""
    condition_on_previous_text: bool = False
    """Prompt each 30 s window with the previous text (off avoids loops on long files)."""
    cpu_threads: int | None = None
    """Recogniser threads; None = all available cores."""
    gap_fill_sec: float = 3.0
    """Stretches this long without recognised words but with speech are recognised again on
    their own, seconds; 0 = off."""
    min_cue_score: float = 0.62
    """Lowest character similarity (0–1) at which a cue phrase counts as found."""
    candidates_per_scene: int = 6
    """Places kept per cue for the joint monotonic choice."""
    anchor_bonus: float = 0.35
    """Weight of an anchor phrase found after a start cue (and before the next scene)."""
    anchor_score_factor: float = 0.8
    """Anchor-derived starts count this fraction of their similarity against start cues."""
    onset_search_before: float = 0.6
    """How far before the recognised start a pause may end, seconds."""
    onset_search_after: float = 0.6
    """How far after the recognised start a pause may end, seconds (at least up to the
    recognised word's end, since a word that swallowed the pause starts too early)."""
    min_pause_sec: float = 0.12
    """Shortest quiet run counted as a pause, seconds."""
    expected_shift_sec: float = 0.1
    """Where the onset is expected relative to the recognised start, seconds (it comes early)."""
    pause_weight: float = 0.8
    """Preference for longer pauses when several are near (s of cost per s of pause)."""
    seconds_per_char: float | None = None
    """Speech rate, seconds per character (to step back over unheard leading words and to
    spot words that swallowed a pause); None = measured on the recognised words."""
    swallow_factor: float = 1.6
    """A recognised word longer than this × its expected length (+ `swallow_slack_sec`) holds
    a pause: its start is taken as its end minus its expected length."""
    swallow_slack_sec: float = 0.25
    """Slack of that test, seconds."""
    squeeze_factor: float = 0.4
    """A recognised word shorter than this × its expected length was squeezed by the
    recogniser; its start is likewise taken as its end minus its expected length."""
    acoustic_search: bool = True
    """Find scene openings the recogniser did not hear (skipped or misheard) with the phoneme
    recogniser: the script's own first words (with narrationText) or the start cue (cues only),
    scored against the audio (English only)."""
    breath_check: bool = True
    """Move an onset that rose on a breath (no voicing within 0.3 s, voicing later) to the
    word's start (`voicing.breath_onset`)."""
    snap_interpolated: bool = True
    """Move a scene whose cues were not found to the heard sentence start nearest to its
    proportional place (it stays `interpolated`, with the wide window)."""
    calibration_model: str | None = None
    """Calibration table to use; None = the one of the model that recognised the audio."""
    calibration_file: str | None = None
    """A calibration file written by ``postprod bench calibrate --write
    FILE`` (for instance fitted on your own recordings with hand-marked cuts); None = the shipped
    table."""

    def transcribe_options(self) -> TranscribeOptions:
        """The recogniser's share of these settings."""
        return TranscribeOptions(beam_size=self.beam_size, chunk_sec=self.chunk_sec,
                                 vad_filter=self.vad_filter,
                                 condition_on_previous_text=self.condition_on_previous_text,
                                 cpu_threads=self.cpu_threads,
                                 gap_fill_sec=self.gap_fill_sec)
