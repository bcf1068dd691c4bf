#!/usr/bin/env python3
"""The convolutions of paper-best's training step at batch 32, one by one, in LibTorch's oneDNN
(channels-last fp32, as cpnas trains on the CPU): forward, the input gradient and the weight
gradient, in ms and GFLOP/s, and for stride-1 layers the input gradient computed as a forward
convolution with the transposed, flipped weights, and the backward as LibTorch runs it (both
gradients in one call) against that forward plus the weight gradient alone (what
src/model/convolution_training.cpp does). Then the stems' graph convolution as it is: a (1, K)
kernel dilated by the joints, whose input gradient cpnas leaves to oneDNN. Last, dense temporal
kernels' weight gradients, oneDNN's against a batched product per tap (which cpnas takes while
oneDNN runs AVX2 code). The rates show how close oneDNN runs to the
core's peak, which bounds a training step that is two thirds convolutions (issue 22).

Run with Debian's python3-torch (the same LibTorch as cpnas), from the repository root:
    /usr/bin/python3 bench/conv_shapes.py [--threads 1]
On an AVX-512 CPU, ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2 measures the AVX2 code.
"""
import argparse
import time

import torch

# name, in channels, out channels, temporal kernel, stride, groups, input frames, layers per step:
# paper-best's four input streams (a stem, then two sep blocks, strides 3) and the main stream's
# graph convolution over their 256 concatenated channels; the main stream's other layers (17
# frames, a few % of the step's multiply-adds) are left out.
SHAPES = [
    ("stem graph 1x1", 4, 128, 1, 1, 1, 150, 4),
    ("stem residual 1x1", 4, 64, 1, 1, 1, 150, 4),
    ("stem temporal 3x1", 64, 64, 3, 1, 1, 150, 4),
    ("graph 1x1, 150", 64, 128, 1, 1, 1, 150, 4),
    ("expand 1x1, 150", 64, 96, 1, 1, 1, 150, 4),
    ("depthwise s3, 150", 96, 96, 3, 3, 96, 150, 4),
    ("residual s3, 150", 64, 64, 1, 3, 1, 150, 4),
    ("project 1x1, 50", 96, 64, 1, 1, 1, 50, 8),
    ("expand 1x1, 50", 64, 96, 1, 1, 1, 50, 8),
    ("depthwise 3x1, 50", 96, 96, 3, 1, 96, 50, 4),
    ("graph 1x1, 50", 64, 128, 1, 1, 1, 50, 4),
    ("depthwise s3, 50", 96, 96, 3, 3, 96, 50, 4),
    ("residual s3, 50", 64, 64, 1, 3, 1, 50, 4),
    ("project 1x1, 17", 96, 64, 1, 1, 1, 17, 8),
    ("expand 1x1, 17", 64, 96, 1, 1, 1, 17, 4),
    ("depthwise 3x1, 17", 96, 96, 3, 1, 96, 17, 4),
    ("main graph 1x1, 17", 256, 256, 1, 1, 1, 17, 1),
]
BATCH, JOINTS = 32, 29
# Modelled: cpnas runs the stems' graph convolution as a (1, K) kernel dilated by the joints
# (stem_graph_dilated below), whose backward stays oneDNN's, so its split is not counted.
MODELLED = {"stem graph 1x1"}


def median_ms(f, repeats):
    f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return 1e3 * sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{'layer':22} {'fwd ms':>8} {'GF/s':>6} {'dX ms':>8} {'GF/s':>6} {'dW ms':>8} "
          f"{'GF/s':>6} {'dX as fwd':>9} {'bwd':>7} {'fwd+dW':>7}")
    total = [0.0, 0.0, 0.0]
    backward_total = [0.0, 0.0]
    cl = torch.channels_last
    for name, cin, cout, k, stride, groups, frames, count in SHAPES:
        x = torch.randn(BATCH, cin, frames, JOINTS).contiguous(memory_format=cl)
        w = torch.randn(cout, cin // groups, k, 1).contiguous(memory_format=cl)
        pad = ((k - 1) // 2, 0)
        y = torch.nn.functional.conv2d(x, w, None, (stride, 1), pad, 1, groups)
        dy = torch.randn_like(y)
        flops = 2 * y.numel() * (cin // groups) * k  # multiply-adds x 2

        def backward(mask):
            return lambda: torch.ops.aten.convolution_backward(
                dy, x, w, None, (stride, 1), pad, (1, 1), False, (0, 0), groups, mask)

        fwd = median_ms(lambda: torch.nn.functional.conv2d(x, w, None, (stride, 1), pad, 1,
                                                           groups), args.repeats)
        dx = median_ms(backward((True, False, False)), args.repeats)
        dw = median_ms(backward((False, True, False)), args.repeats)
        as_fwd = ""
        if stride == 1 and groups == 1 and name not in MODELLED:
            def split():
                wt = w.flip(2).transpose(0, 1).contiguous(memory_format=cl)
                torch.nn.functional.conv2d(dy, wt, None, 1, (k - 1 - pad[0], 0))
                backward((False, True, False))()
            wt = w.flip(2).transpose(0, 1).contiguous(memory_format=cl)
            together = median_ms(backward((True, True, False)), args.repeats)
            apart = median_ms(split, args.repeats)
            backward_total[0] += count * together
            backward_total[1] += count * apart
            as_fwd = (f"{median_ms(lambda: torch.nn.functional.conv2d(dy, wt, None, 1, pad), args.repeats):9.2f}"
                      f" {together:7.2f} {apart:7.2f}")
        for i, ms in enumerate((fwd, dx, dw)):
            total[i] += count * ms
        print(f"{name:22} {fwd:8.2f} {flops / fwd / 1e6:6.1f} {dx:8.2f} {flops / dx / 1e6:6.1f} "
              f"{dw:8.2f} {flops / dw / 1e6:6.1f} {as_fwd}")
    print(f"per step (x layers): forward {total[0]:.0f} ms, input gradients {total[1]:.0f} ms, "
          f"weight gradients {total[2]:.0f} ms, in all {sum(total):.0f} ms")
    print(f"stride-1 backward per step: {backward_total[0]:.0f} ms as one call, "
          f"{backward_total[1]:.0f} ms as a forward convolution and the weight gradient")
    stem_graph_dilated(args.repeats)
    temporal_weight_gradients(args.repeats)


def stem_graph_dilated(repeats):
    """A stem's graph convolution: [N, 4, T, K V] by a (1, K) kernel dilated by V to 64 channels."""
    for k in (2, 3):
        x = torch.randn(BATCH, 4, 150, k * JOINTS).contiguous(memory_format=torch.channels_last)
        w = torch.randn(64, 4, 1, k).contiguous(memory_format=torch.channels_last)
        dy = torch.randn_like(torch.nn.functional.conv2d(x, w, None, 1, 0, (1, JOINTS)))
        together = median_ms(lambda: torch.ops.aten.convolution_backward(
            dy, x, w, None, (1, 1), (0, 0), (1, JOINTS), False, (0, 0), 1, (True, True, False)),
            repeats)
        wt = w.flip(2, 3).transpose(0, 1).contiguous(memory_format=torch.channels_last)
        as_fwd = median_ms(lambda: torch.nn.functional.conv2d(dy, wt, None, 1,
                                                              (0, JOINTS * (k - 1)), (1, JOINTS)),
                           repeats)
        print(f"stem graph (1, {k}) dilated by {JOINTS}: backward {together:.2f} ms, input gradient "
              f"as a forward convolution {as_fwd:.2f} ms")


def temporal_weight_gradients(repeats):
    """Weight gradients of dense (K, 1) kernels, oneDNN's against one batched product per tap over
    channels-last rows (src/model/convolution_training.cpp's weight_gradient_as_products): the
    stem's 3x1 and kernels of the search space's dense temporal blocks."""
    for cin, cout, k, frames in ((64, 64, 3, 150), (96, 96, 3, 50), (128, 128, 3, 17),
                                 (64, 64, 5, 50), (64, 64, 7, 50), (96, 96, 9, 50)):
        x = torch.randn(BATCH, cin, frames, JOINTS).contiguous(memory_format=torch.channels_last)
        w = torch.randn(cout, cin, k, 1).contiguous(memory_format=torch.channels_last)
        pad = (k - 1) // 2
        dy = torch.randn_like(torch.nn.functional.conv2d(x, w, None, 1, (pad, 0)))
        onednn = median_ms(lambda: torch.ops.aten.convolution_backward(
            dy, x, w, None, (1, 1), (pad, 0), (1, 1), False, (0, 0), 1, (False, True, False)),
            repeats)
        rows_x = x.permute(0, 2, 3, 1).reshape(BATCH, frames * JOINTS, cin)
        rows_dy = dy.permute(0, 2, 3, 1).reshape(BATCH, frames * JOINTS, cout)

        def products():
            dw = torch.zeros(cout, cin, k)
            for tap in range(k):
                shift = tap - pad
                first, last = max(0, -shift), min(frames, frames - shift)
                dw[:, :, tap] = torch.bmm(
                    rows_dy[:, first * JOINTS:last * JOINTS].transpose(1, 2),
                    rows_x[:, (first + shift) * JOINTS:(last + shift) * JOINTS]).sum(0)
            return dw.unsqueeze(3).contiguous(memory_format=torch.channels_last)

        flops = 2 * dy.numel() * cin * k
        bmm = median_ms(products, repeats)
        print(f"weight gradient {k}x1, {cin} -> {cout}, {frames} frames: oneDNN {onednn:.2f} ms "
              f"({flops / onednn / 1e6:.1f} GF/s), a product per tap {bmm:.2f} ms "
              f"({flops / bmm / 1e6:.1f} GF/s)")


if __name__ == "__main__":
    main()
