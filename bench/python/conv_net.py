"""PyTorch reference for `pnpm bench core`: trains the same small conv net as bench/src/core.ts
(conv 3x3 16->32, strided conv 32->64, depthwise 3x3, transposed conv 64->32 stride 2, conv 32->16,
ReLU between, MSE loss, SGD) and prints one JSON line with the milliseconds of each timed step.

Usage: python3 conv_net.py --batch 8 --size 32 --steps 20 --threads 2
"""
import argparse
import json
import time

import torch
from torch import nn


def net() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1, groups=64),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 16, 3, padding=1),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = net()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, 16, args.size, args.size)
    target = torch.randn(args.batch, 16, args.size, args.size)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        optimizer.step()
        loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "msPerStep": times,
    }))


if __name__ == "__main__":
    main()
