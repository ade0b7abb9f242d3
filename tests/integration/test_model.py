"""The reference model (tests/model/model.py) against the real yimad:
random command sequences, every reply compared (tests/model/difftest.py).

A bounded run for `make test`: at most YIMA_MODEL_SEQUENCES sequences
(default 150) of 80 steps, stopping after 35 s; a disagreement is shrunk
(up to 45 s) and printed as yima commands.  Disagreements listed in
tests/model/KNOWN.md end their sequence and are counted apart.  `make
test-model N=...` runs more.
"""
import os
import sys

import seeded
from harness import check

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model"))
import difftest  # noqa: E402


def test_model_agrees_with_yimad():
    seed = seeded.seed_for("test_model")
    sequences = int(os.environ.get("YIMA_MODEL_SEQUENCES", "150"))
    figures, failures = difftest.run(sequences, 80, seed, time_budget=35.0,
                                     shrink_budget=45.0)
    check(figures["sequences"] >= min(sequences, 10),
          f"only {figures['sequences']} sequences ran")
    check(figures["clean"] > 0, "no sequence ran clean")
    check(not failures, f"{len(failures)} sequence(s) disagree with the model "
          f"(seed {seed}; shrunk sequences above): " +
          "; ".join(f"{e.sig} at {' '.join(e.words)}" for e in failures))
