#!/usr/bin/env python3
"""Training-step and evaluation throughput of the published reference code's paper-best student
(github DeepInMotion/AutoCP) at batch 32 on random windows of 150 frames, timed as `cpnas bench`
times cpnas: warm-up steps, then timed steps; one JSON line per mode. Nothing of that code is
copied here: the student is built by the checkout's own builder (tests/fixtures/make_reference.py).

Run with Debian's python3-torch (the same LibTorch as cpnas), from the repository root:
    /usr/bin/python3 bench/reference_throughput.py /path/to/AutoCP --threads 1
"""
import argparse
import json
import os
import sys
import time
import types

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures"))
import make_reference  # noqa: E402


def paper_best(root):
    Graph, _, Student = make_reference.reference_modules(root)
    kwargs = make_reference.kwargs_for(Graph)
    actions = {ref: make_reference.PAPER_BEST[key] for key, (ref, _) in make_reference.SPACE.items()}
    actions["conv_lay"] = make_reference.BLOCKS[make_reference.PAPER_BEST["block"]]
    args = types.SimpleNamespace(old_sp=False, dataset="cp29")
    return Student(actions, None, {"lr": 0.001}, None, 0, args, **kwargs)


def rate(step, batch, warmup, steps):
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    return batch * steps / seconds, 1000 * seconds / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reference", help="a checkout of github DeepInMotion/AutoCP")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--modes", default="train,eval")
    parser.add_argument("--label", default="", help="a note copied into each line")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = paper_best(args.reference)
    x = torch.randn(args.batch, 4, 4, 150, 29, 1)
    labels = torch.randint(0, 2, (args.batch,))
    # The published training's optimiser (config: SGD, momentum 0.9, Nesterov, weight decay).
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                weight_decay=1e-4)

    def train_step():
        out = model(x)
        logits = out[0] if isinstance(out, tuple) else out
        loss = torch.nn.functional.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def eval_step():
        with torch.no_grad():
            model(x)

    for mode in args.modes.split(","):
        model.train(mode == "train")
        windows_per_s, ms = rate(train_step if mode == "train" else eval_step, args.batch,
                                 args.warmup, args.steps)
        print(json.dumps({"code": "reference", "mode": mode, "windows_per_s": windows_per_s,
                          "ms_per_step": ms, "threads": args.threads, "batch": args.batch,
                          "label": args.label}))


if __name__ == "__main__":
    main()
