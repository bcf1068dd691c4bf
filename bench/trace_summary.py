#!/usr/bin/env python3
"""Sums a Chrome trace of `cpnas bench train|eval --trace FILE` per operator: self time (the
operator's own time, without the operators it called), calls and share of the traced time, the
largest first. Forward and backward operators are listed apart (autograd's backward nodes are
named ...Backward...). Usage: bench/trace_summary.py TRACE.json [--top 30]
"""
import argparse
import collections
import json


def events_of(path):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    return [e for e in events if e.get("ph") == "X" and "dur" in e]


def self_times(events):
    """Per name: [self microseconds, calls], nesting taken per thread from start and duration."""
    totals = collections.defaultdict(lambda: [0.0, 0])
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e.get("tid")].append(e)
    for thread in by_thread.values():
        thread.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        def close(until):
            while stack and stack[-1][0] <= until:
                end, name, children, dur = stack.pop()
                totals[name][0] += dur - children
                totals[name][1] += 1
                if stack:
                    stack[-1][2] += dur
        for e in thread:
            start, dur = float(e["ts"]), float(e["dur"])
            close(start)
            stack.append([start + dur, e["name"], 0.0, dur])
        close(float("inf"))
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    totals = self_times(events_of(args.trace))
    whole = sum(t for t, _ in totals.values())
    print(f"{'operator':60} {'self ms':>10} {'calls':>7} {'share':>7}")
    for name, (us, calls) in sorted(totals.items(), key=lambda kv: -kv[1][0])[:args.top]:
        print(f"{name[:60]:60} {us / 1000:10.1f} {calls:7d} {100 * us / whole:6.1f}%")
    print(f"{'all':60} {whole / 1000:10.1f}")


if __name__ == "__main__":
    main()
