"""Make docs/session.svg, the README's picture of a session, with the tool itself.

    python docs/make_session_svg.py

Runs the installed command with `--output docs/session.svg`: the picture is the report
exactly as the terminal view draws it (80 columns), recorded by insertadvisor's own SVG
export. Rerun it when the rules' wording changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "session.svg"
SCRIPT = Path(sys.executable).with_name("insertadvisor")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "insertadvisor"]
ANSWERS = ["--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
           "--pain-weeks", "8", "--symptom", "foot_pain", "--age", "45",
           "--tried-otc-weeks", "0", "--footwear", "unsupportive", "--pain-trend", "same",
           "--region", "UK"]


def main() -> int:
    done = subprocess.run([*COMMAND, "assess", *ANSWERS, "--no-input", "--output",
                           str(TARGET)], stdout=subprocess.DEVNULL, check=False)
    if done.returncode == 0:
        sys.stdout.write(f"wrote {TARGET}\n")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
