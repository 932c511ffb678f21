"""PyTorch's side of the examples' accuracy comparison: the "pytorch" recipe (Adam lr 1e-3, batch 64, inputs in
[0, 1], PyTorch's default init, no schedule, no augmentation) for the 784-128-10 MLP and the LeNet-style CNN, on
the examples' digits split (written by export-digits.ts) or on Fashion-MNIST's IDX files.

    /usr/bin/python3 train.py --model mlp --dataset mnist --epochs 10 --seeds 0 1 2
"""
import argparse, gzip, os, time
import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--model', choices=['mlp', 'cnn'], default='mlp')
p.add_argument('--dataset', choices=['mnist', 'fashion-mnist'], default='mnist')
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--seeds', type=int, nargs='+', default=[0])
p.add_argument('--digits', default='/tmp/tensile-digits')
p.add_argument('--fashion', default='/usr/share/datasets/fashion-mnist')
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


if a.dataset == 'mnist':
    load = lambda n, k, t: np.fromfile(os.path.join(a.digits, f'{n}-{k}'), dtype=t)
    xtr, ytr = load('train', 'images.f32', np.float32), load('train', 'labels.i32', np.int32)
    xte, yte = load('test', 'images.f32', np.float32), load('test', 'labels.i32', np.int32)
else:
    f = lambda n: os.path.join(a.fashion, n)
    xtr, ytr = idx(f('train-images-idx3-ubyte.gz')).astype(np.float32) / 255, idx(f('train-labels-idx1-ubyte.gz'))
    xte, yte = idx(f('t10k-images-idx3-ubyte.gz')).astype(np.float32) / 255, idx(f('t10k-labels-idx1-ubyte.gz'))
xtr, xte = torch.tensor(xtr).reshape(-1, 1, 28, 28), torch.tensor(xte).reshape(-1, 1, 28, 28)
ytr, yte = torch.tensor(ytr.astype(np.int64)), torch.tensor(yte.astype(np.int64))


def model():
    if a.model == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 128), nn.ReLU(), nn.Linear(128, 10))


accs = []
for seed in a.seeds:
    torch.manual_seed(seed)
    m = model()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    t0 = time.time()
    for epoch in range(a.epochs):
        m.train()
        for b in torch.randperm(len(ytr)).split(64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
    m.eval()
    with torch.no_grad():
        acc = sum((m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(yte), 1000)) / len(yte)
    accs.append(acc)
    print(f'{a.model} {a.dataset} seed {seed}: test accuracy {100 * acc:.2f}% after {a.epochs} epochs ({time.time() - t0:.1f}s)', flush=True)
print(f'{a.model} {a.dataset}: mean {100 * np.mean(accs):.2f}% ± {100 * np.std(accs):.2f} over {len(accs)} seeds')
