"""Say which cell of which notebook failed, how, and what it was waiting for, in one short message.

pytest (nbval), ``python -m offline_irsa run`` and the tests all describe a failed cell the
same way: the notebook, the code cell's number as nbval counts them ("Cell 3" is the fourth
code cell), its first line, the error's last line, the call it was stuck in when it timed
out (the kernel is interrupted, so its traceback shows that call), and the IRSA service the
text points at (``live_report.service_of``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from offline_irsa.harness.live_report import service_of
from offline_irsa.https import not_served

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A frame's header in IPython's tracebacks ("File /x/socket.py:706, in SocketIO.readinto(self, b)",
# "Cell In[2], line 2"; IPython 7: "/x/socket.py in readinto(self, b)", "<ipython-input-2-ab> in <module>")
# or in Python's own ('File "/x/socket.py", line 706, in readinto').
FRAME = re.compile(r"^\s*(File \S.*?:\d+, in .*|Cell In\[\d+\], line \d+.*|File \".*\", line \d+, in .*"
                   r"|\S*(\.py|<ipython-input-\S+>) in \S.*)$")
CURRENT_LINE = re.compile(r"^-*>\s*\d+\s(.*)$")  # IPython marks a frame's current line with "---->"
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Interrupt|Warning|Exit)\b[^\n]*)$", re.M)
# The sentence an offline run's refused connection carries (``https.not_served``), wherever a client put it.
REFUSED = re.compile(re.escape(not_served("HOST")).replace("HOST", r"[^\s'\"]+"))
CAUSE_SEPARATORS = ("The above exception was the direct cause", "During handling of the above exception")


def plain(text: str) -> str:
    """Text without the terminal colours IPython puts in tracebacks."""
    return ANSI.sub("", text)


def error_line(traceback: str) -> str:
    """The last line that names an exception ("ValueError: ...") in a traceback, or its last line."""
    text = plain(traceback).strip()
    found = [re.sub(r":\s*$", "", m.group(1).strip()) for m in EXCEPTION_LINE.finditer(text)
             if "(most recent call" not in m.group(1)]
    return found[-1] if found else (text.splitlines()[-1] if text else "")


def stuck_call(traceback: str) -> str | None:
    """The innermost frame of the first exception in a traceback: where the code was when interrupted.

    The first exception, because a note added while re-raising (as ``routing`` does) comes later.
    """
    text = plain(traceback)
    for separator in CAUSE_SEPARATORS:
        text = text.split(separator)[0]
    where = line = None
    for raw in text.splitlines():
        if FRAME.match(raw):
            where, line = raw.strip().removeprefix("File ").rstrip(":"), None
            pythons_format = where.startswith('"')  # its frame's code is the next line, unnumbered
        elif where and line is None and (current := CURRENT_LINE.match(raw.strip())):
            line = current.group(1).strip()
        elif where and line is None and pythons_format and raw.strip():
            line = raw.strip()
    if where is None:
        return None
    return f"{where}: {line}" if line else where


@dataclass
class CellFailure:
    """A code cell that raised, printed an error, warned of a deprecation, or did not finish in time."""

    notebook: Path
    cell: int  # the code cell's number, counted from 0 as nbval counts them
    source: str
    traceback: str = ""
    error: str = ""  # the error's last line; taken from the traceback when not given
    timeout: float | None = None  # set when the cell did not finish within this many seconds
    how: str = "failed"  # what the cell did, for the headline ("printed an error to stderr", ...)

    def __post_init__(self) -> None:
        self.error = plain(self.error).strip() or error_line(self.traceback)

    @property
    def first_line(self) -> str:
        lines = [line for line in self.source.strip().splitlines() if line.strip()]
        return lines[0].strip() if lines else ""

    @property
    def service(self) -> str:
        return service_of(plain(self.traceback) + "\n" + self.error)

    def headline(self) -> str:
        where = f"{self.notebook}, cell {self.cell} ({self.first_line})"
        if self.timeout is not None:
            return f"{where} did not finish within {self.timeout:g} s"
        return f"{where} {self.how}"

    def describe(self) -> str:
        """Several short lines: where, what, the stuck call (on a timeout) and the service."""
        lines = [self.headline()]
        if self.timeout is not None:
            stuck = stuck_call(self.traceback)
            if stuck:
                lines.append(f"it was waiting in: {stuck}")
            elif not self.traceback.strip():
                lines.append("it did not stop when interrupted, so no traceback shows what it was waiting for")
        if self.error and not (self.timeout is not None and self.error == "KeyboardInterrupt"):
            lines.append(f"error: {self.error}")
        refused = REFUSED.search(plain(self.traceback))
        if refused and refused.group(0) not in self.error:
            lines.append(f"because: {refused.group(0)}")  # a client (fsspec) raised its own error from the refusal
        lines.append(f"service: {self.service}")
        return "\n".join(lines)
