"""What the recogniser's word timings say: the speech rate, where a word really starts, and
which words open a sentence."""

from __future__ import annotations

import numpy as np

from .options import AlignOptions
from .text import Tokens
from .transcribe import Transcript, Word

SENTENCE_END = (".", "!", "?", "…", ".”", "?”", "!”", '."', '?"', '!"')
"""Endings of a recognised word that closes a sentence."""


def speech_rate(transcript: Transcript, opts: AlignOptions) -> float:
    """Seconds per character of the narration: `AlignOptions.seconds_per_char`, or the median
    over recognised words of duration / (letters + 1), within 0.04–0.12."""
    if opts.seconds_per_char is not None:
        return opts.seconds_per_char
    per_char = [(w.end - w.start) / (_letters(w.text) + 1) for w in transcript.words
                if w.end > w.start]
    return float(np.clip(np.median(per_char), 0.04, 0.12)) if per_char else 0.065


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def word_start(word: Word, *, rate: float, opts: AlignOptions) -> float:
    """Where ``word`` most likely starts, seconds.

    The recogniser stretches a word that follows a pause back into the pause; a word far longer
    than its letters need (`AlignOptions.swallow_factor`) is taken to start its expected length
    before its end, which is timed more reliably. A word that ends a sentence is left alone:
    the pause it holds is the one after it. A word squeezed to almost no length
    (`AlignOptions.squeeze_factor`) gets the same treatment.

    Args:
        rate: speech rate, seconds per character (`speech_rate`).
    """
    expected = (_letters(word.text) + 1) * rate
    if word.end - word.start < opts.squeeze_factor * expected:
        return max(0.0, word.end - expected)  # squeezed to nothing: its start is unreliable
    if swallowed_pause(word, rate=rate, opts=opts):
        return word.end - expected
    return word.start


def swallowed_pause(word: Word, *, rate: float, opts: AlignOptions) -> bool:
    """``word`` was stretched back over a pause before it: far longer than its letters need
    (`AlignOptions.swallow_factor`, `AlignOptions.swallow_slack_sec`), and not a sentence's
    last word (whose stretch is the pause after it).

    Args:
        rate: speech rate, seconds per character (`speech_rate`).
    """
    if word.text.endswith(SENTENCE_END):
        return False
    expected = (_letters(word.text) + 1) * rate
    return word.end - word.start > opts.swallow_factor * expected + opts.swallow_slack_sec


def sentence_starts_heard(transcript: Transcript, *, rate: float, opts: AlignOptions,
                          gap: float = 0.3) -> np.ndarray:
    """Per recognised word (np.ndarray [shape=(words,)], bool): it opens a sentence or follows
    a pause of ``gap`` seconds or more (a silent gap, or one the word swallowed).

    Args:
        rate: speech rate, seconds per character (`speech_rate`).
    """
    w = transcript.words
    starts = np.zeros(len(w), dtype=bool)
    for i in range(len(w)):
        starts[i] = (i == 0 or w[i - 1].text.endswith(SENTENCE_END)
                     or w[i].start - w[i - 1].end >= gap
                     or word_start(w[i], rate=rate, opts=opts) - w[i - 1].end >= gap)
    return starts


def heard_time(transcript: Transcript, heard: Tokens, j: int, *, lead_chars: int,
               opts: AlignOptions, rate: float) -> tuple[float, float]:
    """(start, latest end) of the recognised word under heard token ``j``, seconds, the start
    stepped back over ``lead_chars`` of unheard speech.

    The end is how far the onset search may reach: the word's end, or the next word's end
    when that one swallowed a pause (the recogniser sometimes hangs a sentence's first word on
    the previous sentence and stretches the second over the pause between them).
    """
    k = heard.owner[j]
    word = transcript.words[k]
    start = word_start(word, rate=rate, opts=opts)
    end = word.end
    if k + 1 < len(transcript.words) and swallowed_pause(transcript.words[k + 1], rate=rate,
                                                         opts=opts):
        end = transcript.words[k + 1].end
    return max(0.0, start - lead_chars * rate), end
