#!/usr/bin/env python3
"""PyTorch peer for Tensile's benchmark suite (bench/src/run.ts runs it with /usr/bin/python3).

The same workloads, shapes, batches and dtype (float32) as the TypeScript side, timed the way benchmark.js times
(warm-up, then cycles of `count` calls lasting at least minTime, until maxTime has passed and minSamples cycles
were taken). Prints one line `@@RESULT <json>` on stdout; progress goes to stderr.

    torch_bench.py timings '<json: {"variants": [...], "threads": [1, 2], "timing": {...}, "suffix": "", "trainWarmup": {"steps": 500, "seconds": 20}}>'
    torch_bench.py memory <threads> <steps> <baseline> <max_seconds> [<suffix>]

The columns are named torch-<threads>t<suffix>; run.ts runs the script twice, once in the default environment and
once with glibc's MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ set (suffix -malloc), so the suffix only names what
the caller set. Training workloads (W1-W4, W8, W9) get a longer warm-up (trainWarmup: at least that many steps, or
that many seconds, whichever ends first): PyTorch's CPU step speeds up over its first hundreds of steps.
"""
import gc
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(sizes):
    layers = []
    for i in range(1, len(sizes)):
        layers.append(nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lenet():
    # LeNet-5 on 1x28x28 (NCHW): conv 6@5x5, pool 2, conv 16@5x5, pool 2, 120, 84, 10; ReLU.
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


TRAIN = {
    'W1': (lambda: mlp([784, 128, 10]), 64, (784,)),
    'W2': (lambda: mlp([784, 128, 10]), 256, (784,)),
    'W3': (lambda: mlp([784, 512, 512, 10]), 128, (784,)),
    'W4': (lenet, 64, (1, 28, 28)),
}


def train_case(variant):
    make, batch, shape = TRAIN[variant]
    torch.manual_seed(0)
    model = make()
    x = torch.randn(batch, *shape)
    y = torch.arange(batch) % 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step, batch


def token_batch(batch, steps, vocab):
    # The fixed batch every framework trains on (bench/src/seq-models.ts): ids[b][t] = (7b + 3t + bt) mod vocab,
    # targets the id at t + 1.
    ids = torch.tensor([[(7 * b + 3 * t + b * t) % vocab for t in range(steps)] for b in range(batch)])
    targets = torch.tensor([[(7 * b + 3 * (t + 1) + b * (t + 1)) % vocab for t in range(steps)] for b in range(batch)])
    return ids, targets.reshape(-1)


class Transformer(nn.Module):
    # W8: examples/char-lm's transformer: token + learned position embeddings, 4 pre-norm blocks of causal
    # 4-head self-attention and a GELU feed-forward (128, 512), final LayerNorm, Linear to the logits.
    def __init__(self, vocab=27, context=16, width=128, heads=4, ff=512, layers=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.position = nn.Embedding(context, width)
        block = nn.TransformerEncoderLayer(width, heads, ff, dropout=0.0, activation='gelu', batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, vocab)
        self.register_buffer('positions', torch.arange(context))
        self.register_buffer('mask', torch.triu(torch.full((context, context), float('-inf')), 1))

    def forward(self, x):
        h = self.embed(x) + self.position(self.positions)
        return self.out(self.norm(self.blocks(h, mask=self.mask)))


class LSTMModel(nn.Module):
    # W9: embedding 27 -> 64, one LSTM layer of hidden 256 (batch first), Linear to 27 logits.
    def __init__(self, vocab=27, embedding=64, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):
        return self.out(self.lstm(self.embed(x))[0])


SEQ = {
    'W8': (Transformer, 32, 16),
    'W9': (LSTMModel, 32, 32),
}


def seq_case(variant):
    make, batch, steps = SEQ[variant]
    torch.manual_seed(0)
    model = make()
    x, y = token_batch(batch, steps, 27)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).reshape(-1, 27), y)
        loss.backward()
        opt.step()

    return step, batch


def matmul_case(variant):
    _, n, form = variant.split('-')
    n = int(n)
    torch.manual_seed(0)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    lhs = a.t() if form == 'AtB' else a
    rhs = b.t() if form == 'ABt' else b
    return (lambda: torch.mm(lhs, rhs)), 2 * n ** 3 / 1e9


def overhead_case(variant):
    a = torch.tensor([1.5], requires_grad=(variant == 'W6-tracked'))
    b = torch.tensor([2.5])
    return (lambda: a + b), 1


def build(variant):
    if variant in TRAIN:
        return train_case(variant)
    if variant in SEQ:
        return seq_case(variant)
    if variant.startswith('W5-'):
        return matmul_case(variant)
    if variant.startswith('W6-'):
        return overhead_case(variant)
    raise ValueError('unknown variant ' + variant)


def warm_up(fn, steps, seconds):
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
        if time.perf_counter() - t0 > seconds:
            break


def measure(fn, units, t):
    clock = time.perf_counter
    t0 = clock()
    fn()
    slow = clock() - t0 > t['slowCallSeconds']  # one warm-up call and slowMinSamples samples
    i = 1
    while not slow and (i < t['warmupCalls'] or clock() - t0 < t['warmupSeconds']):
        fn()
        i += 1
    min_samples = t['slowMinSamples'] if slow else t['minSamples']
    gc.collect()
    count = 1
    while True:  # calibrate: a cycle lasts at least minTime
        s = clock()
        for _ in range(count):
            fn()
        el = clock() - s
        if el >= t['minTime']:
            break
        count = max(count * 2, int(count * t['minTime'] / max(el, 1e-9) * 1.2))
    periods = [el / count]
    start = clock()
    while len(periods) < min_samples or clock() - start < t['maxTime']:
        s = clock()
        for _ in range(count):
            fn()
        periods.append((clock() - s) / count)
    rates = [units / p for p in periods]
    mean = statistics.fmean(periods)
    sem = statistics.stdev(periods) / len(periods) ** 0.5 if len(periods) > 1 else 0.0
    return {
        'median': statistics.median(rates),
        'min': min(rates),
        'max': max(rates),
        'samples': len(periods),
        'callsPerSample': count,
        'rme': 100 * 1.96 * sem / mean if mean else 0.0,
        **({'slow': True} if slow else {}),
    }


def blas_library():
    """The BLAS shared library this process actually loaded (after a matmul), e.g. the reference libblas.so.3."""
    found = loaded_blas()
    info = torch.__config__.show()
    blas_info = info.split('BLAS_INFO=')[1].split(',')[0] if 'BLAS_INFO=' in info else '?'
    return 'BLAS_INFO=%s, loaded: %s' % (blas_info, ', '.join(sorted(found)) or 'none')


def loaded_blas():
    """The BLAS shared libraries loaded in this process (after a matmul), by real path."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    found = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ''
                name = os.path.basename(path).lower()
                if 'blas' in name or 'mkl' in name:
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(found)


def set_threads(threads):
    """torch.set_num_threads, and the same count for a loaded OpenBLAS: a PyTorch built with a generic BLAS
    (Debian's: BLAS_INFO=generic, libblas.so.3 from OpenBLAS) sets only its OpenMP threads, while OpenBLAS keeps
    its own pthreads (one per core), so a 'one thread' column would multiply on every core. Returns the
    libraries whose threads were set."""
    import ctypes
    torch.set_num_threads(threads)
    done = []
    for path in loaded_blas():
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads
        except (OSError, AttributeError):
            continue
        fn(ctypes.c_int(threads))
        done.append(os.path.basename(path))
    return done


def timings(config):
    default_threads = torch.get_num_threads()
    results = []
    suffix = config.get('suffix', '')
    warm = config.get('trainWarmup', {'steps': 0, 'seconds': 0})
    blas_threads = []
    for threads in config['threads']:
        blas_threads = set_threads(threads)
        fw = 'torch-%dt%s' % (threads, suffix)
        for variant in config['variants']:
            try:
                fn, units = build(variant)
                if variant in TRAIN or variant in SEQ:
                    warm_up(fn, warm['steps'], warm['seconds'])
                stats = measure(fn, units, config['timing'])
                results.append({'variant': variant, 'framework': fw, 'stats': stats})
                print('  %s %s: %.4g' % (fw, variant, stats['median']), file=sys.stderr, flush=True)
            except Exception as e:  # noqa: BLE001 - recorded, the suite goes on
                results.append({'variant': variant, 'framework': fw, 'error': '%s: %s' % (type(e).__name__, e)})
    set_threads(default_threads)
    return {
        'torch': torch.__version__,
        'blasThreadsSet': blas_threads,
        'python': sys.version.split()[0],
        'defaultThreads': default_threads,
        'parallel': torch.__config__.parallel_info().strip().split('\n')[-1].strip(),
        'blas': blas_library(),
        'malloc': {k: os.environ[k] for k in sorted(os.environ) if k.startswith('MALLOC_') and k.endswith('_')},
        'results': results,
    }


def proc_status(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    return 0


def memory(threads, steps, baseline, max_seconds, suffix=''):
    set_threads(threads)
    step, _ = train_case('W1')
    marks = {1, baseline, steps} | {round(steps * k / 10) for k in range(1, 11)}
    checkpoints = []

    def checkpoint(i, seconds):
        gc.collect()
        return {'step': i, 'seconds': seconds, 'heapUsed': None, 'external': None, 'arrayBuffers': None, 'rss': proc_status('VmRSS')}

    t0 = time.perf_counter()
    done = 0
    stopped = False
    for i in range(1, steps + 1):
        step()
        done = i
        seconds = time.perf_counter() - t0
        if i in marks:
            checkpoints.append(checkpoint(i, seconds))
        if seconds > max_seconds and baseline < i < steps:
            checkpoints.append(checkpoint(i, seconds))
            stopped = True
            break
    return {
        'framework': 'torch-%dt%s' % (threads, suffix),
        'stepsRequested': steps,
        'stepsDone': done,
        'stoppedEarly': stopped,
        'baseline': baseline,
        'seconds': time.perf_counter() - t0,
        'peakRss': proc_status('VmHWM'),
        'checkpoints': checkpoints,
    }


def main(argv):
    if len(argv) >= 2 and argv[1] == 'timings':
        out = timings(json.loads(argv[2]))
    elif len(argv) >= 6 and argv[1] == 'memory':
        out = memory(int(argv[2]), int(argv[3]), int(argv[4]), float(argv[5]), argv[6] if len(argv) > 6 else '')
    else:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write('\n@@RESULT ' + json.dumps(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
