"""Run the speed benchmarks and print their figures: python bench/run_all.py

(bench_x11.py, bench_start.py and fuzz_trust.py run on their own: they need
an X server, fresh virtual environments, or minutes of fuzzing.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for name in ("bench_batch", "bench_scale", "bench_whatif", "bench_window"):
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, str(HERE / f"{name}.py")], check=True, cwd=HERE)
