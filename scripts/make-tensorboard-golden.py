#!/usr/bin/env python3
"""TensorBoard's own bytes and reader, for Finch's event-file writer (Sources/FinchTrain/Run/TensorBoardEvents.swift).

1. Golden bytes (read by Tests/FinchTrainTests/TensorBoardEventsTests.swift, no Python at test
   time): TensorBoard's record writer (`tensorboard.summary.writer.record_writer.RecordWriter`)
   and its protobuf `Event`/`Summary` messages write, at fixed wall times, the file-version event
   and three scalar events to Tests/Fixtures/tensorboard/golden.tfevents; the Swift test writes the
   same events and requires the same bytes.

2. `--check RUN_DIR`: TensorBoard's reader (`EventAccumulator`) loads the event files Finch wrote
   in RUN_DIR (a run with `logging.tensorboard: true`) and compares every scalar with the
   run's metrics.jsonl (tag `<kind>/<name>`, value to float32 precision); prints the counts.

Setup (CPU wheels from PyPI):
    python3 -m venv /tmp/hf-golden-venv && /tmp/hf-golden-venv/bin/pip install tensorboard
Run from the package root:
    /tmp/hf-golden-venv/bin/python scripts/make-tensorboard-golden.py
    /tmp/hf-golden-venv/bin/python scripts/make-tensorboard-golden.py --check runs/sft-addition
"""

import argparse
import io
import json
import math
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "Tests" / "Fixtures" / "tensorboard" / "golden.tfevents"

# (wall_time, step, [(tag, value)]); step 0 and a 0.0 value exercise protobuf's default handling.
EVENTS = [
    (1700000000.25, 0, [("train/loss", 2.5), ("train/lr", 0.0)]),
    (1700000001.5, 7, [("train/loss", 1.125), ("train/grad_norm", 0.3333333432674408)]),
    (1700000002.75, 123456789, [("eval/exact_match", -0.0078125)]),
]


def make_golden():
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    buffer = io.BytesIO()
    writer = RecordWriter(buffer)
    writer.write(event_pb2.Event(wall_time=1700000000.0, file_version="brain.Event:2").SerializeToString())
    for wall_time, step, scalars in EVENTS:
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in scalars])
        writer.write(event_pb2.Event(wall_time=wall_time, step=step, summary=summary).SerializeToString())
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(buffer.getvalue())
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(buffer.getvalue())} bytes)")


def check(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = Path(run_dir)
    files = sorted(run.glob("events.out.tfevents.*"))
    if not files:
        raise SystemExit(f"{run}: no event files (was logging.tensorboard true?)")
    seen = {}
    for f in files:
        acc = EventAccumulator(str(f), size_guidance={"scalars": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            for e in acc.Scalars(tag):
                seen[(tag, e.step)] = e.value
    expected = {}
    for line in (run / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        kind, step = record.pop("kind"), record.pop("step")
        for key, value in record.items():
            if value is not None and math.isfinite(value):
                expected[(f"{kind}/{key}", int(step))] = struct.unpack("f", struct.pack("f", value))[0]
    missing = [k for k in expected if k not in seen]
    wrong = [k for k in expected if k in seen and seen[k] != expected[k]]
    extra = [k for k in seen if k not in expected]
    print(f"{run}: {len(files)} event file(s), {len(seen)} scalars read by TensorBoard, {len(expected)} in metrics.jsonl; "
          f"missing {len(missing)}, different {len(wrong)}, extra {len(extra)}")
    if missing or wrong or extra:
        raise SystemExit(f"mismatch: {(missing + wrong + extra)[:5]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", metavar="RUN_DIR")
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        make_golden()


if __name__ == "__main__":
    main()
