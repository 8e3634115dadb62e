#!/usr/bin/env python3
"""bench_torch.py - PyTorch float64 peer of bench/bench_core (one thread).

Usage: bench_torch.py EPOCHS LAYERS [LAYERS ...]
LAYERS is a comma-separated width list such as 1,32,1 (tanh hidden layers, linear output).
Each network trains on sin(x), 256 grid points on [-pi, pi], full-batch Adam (lr 1e-3), MSE;
prints one line per network: `LAYERS us_per_epoch` (median of 5 runs of EPOCHS epochs).
Never part of the tests; bench_core runs it when python3-torch is installed."""
import math
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def network(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def time_epochs(widths, epochs):
    torch.manual_seed(1)
    x = torch.linspace(-math.pi, math.pi, 256).reshape(-1, 1)
    y = torch.sin(x)
    times = []
    for _ in range(5):
        model = network(widths)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        t0 = time.perf_counter()
        for _ in range(epochs):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        times.append((time.perf_counter() - t0) / epochs)
    return statistics.median(times)


def main():
    epochs = int(sys.argv[1])
    for arg in sys.argv[2:]:
        widths = [int(w) for w in arg.split(",")]
        print(f"{arg} {1e6 * time_epochs(widths, epochs):.4g}", flush=True)


if __name__ == "__main__":
    main()
