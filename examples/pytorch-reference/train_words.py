"""PyTorch's side of the `pnpm words` comparison: trains the same character-level language model with the same
recipe on the same words as a Tensile run, from the split and config.json that export-words.ts wrote.

    cd examples/char-lm && node --import tsx ../pytorch-reference/export-words.ts --dir /tmp/words-mlp --model mlp
    /usr/bin/python3 ../pytorch-reference/train_words.py /tmp/words-mlp --seeds 0 1 2

The recipe is the Tensile run's: Adam (PyTorch's formulas), a per-step cosine schedule from lr to lr/100,
gradients clipped to a global norm, the loss in nats per character (padding ignored), PyTorch's default
initialisation. Prints the validation loss after each epoch and the wall time of the training.
"""
import argparse, json, math, os, time
import torch
from torch import nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('dir', help='the folder export-words.ts wrote (train.txt, val.txt, test.txt, config.json)')
p.add_argument('--seeds', type=int, nargs='+', default=[0])
p.add_argument('--threads', type=int, default=1)
p.add_argument('--epochs', type=int, default=None, help="override the config's epochs")
a = p.parse_args()
torch.set_num_threads(a.threads)
cfg = json.load(open(os.path.join(a.dir, 'config.json')))
if a.epochs is not None:
    cfg['epochs'] = a.epochs
words = {k: open(os.path.join(a.dir, f'{k}.txt')).read().split() for k in ('train', 'val', 'test')}
itos = cfg['vocab']
stoi = {c: i for i, c in enumerate(itos)}
V, L, IGNORE = len(itos), cfg['length'], -100
dtype = torch.float64 if cfg['dtype'] == 'float64' else torch.float32


def windows(ws, block):
    """makemore part 2's (context -> next) pairs, as @tensile/data's contextWindows builds them."""
    xs, ys = [], []
    for w in ws:
        ctx = [0] * block
        for ch in list(w) + ['.']:
            ix = stoi[ch]
            xs.append(ctx)
            ys.append(ix)
            ctx = ctx[1:] + [ix]
    return torch.tensor(xs), torch.tensor(ys)


def sequences(ws):
    """The boundary then the word in, the word then the boundary out, padded (nextTokenSequences)."""
    x = torch.zeros(len(ws), L, dtype=torch.long)
    y = torch.full((len(ws), L), IGNORE, dtype=torch.long)
    for r, w in enumerate(ws):
        ids = [stoi[c] for c in w]
        x[r, 1:len(ids) + 1] = torch.tensor(ids, dtype=torch.long)
        y[r, :len(ids)] = torch.tensor(ids, dtype=torch.long)
        y[r, len(ids)] = 0
    return x, y


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, cfg['embedding'])
        widths = [cfg['blockSize'] * cfg['embedding']] + [cfg['hidden']] * cfg['layers']
        self.hidden = nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths, widths[1:]))
        self.out = nn.Linear(cfg['hidden'], V)

    def forward(self, x):
        h = self.embed(x).flatten(1)
        for layer in self.hidden:
            h = torch.tanh(layer(h))
        return self.out(h)


class LSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, cfg['embedding'])
        self.lstm = nn.LSTM(cfg['embedding'], cfg['hidden'], cfg['layers'], batch_first=True, dropout=cfg['dropout'] if cfg['layers'] > 1 else 0)
        self.out = nn.Linear(cfg['hidden'], V)

    def forward(self, x):
        return self.out(self.lstm(self.embed(x))[0])


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        d = cfg['embedding']
        self.embed = nn.Embedding(V, d)
        self.position = nn.Embedding(L, d)
        layer = nn.TransformerEncoderLayer(d, cfg['heads'], cfg['hidden'], cfg['dropout'], activation='gelu', batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, cfg['layers'], enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, V)

    def forward(self, x):
        t = x.shape[1]
        h = self.embed(x) + self.position(torch.arange(t))
        mask = torch.triu(torch.full((t, t), float('-inf')), diagonal=1)
        return self.out(self.norm(self.blocks(h, mask=mask)))


def loss_of(model, x, y):
    out = model(x)
    if y.ndim == 2:
        return F.cross_entropy(out.reshape(-1, V), y.reshape(-1), ignore_index=IGNORE), int((y != IGNORE).sum())
    return F.cross_entropy(out, y), y.shape[0]


def evaluate(model, x, y):
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 512):
            loss, k = loss_of(model, x[i:i + 512], y[i:i + 512])
            total += loss.item() * k
            n += k
    model.train()
    return total / n


data = {k: (windows(ws, cfg['blockSize']) if cfg['model'] == 'mlp' else sequences(ws)) for k, ws in words.items()}
xtr, ytr = data['train']
results = []
for seed in a.seeds:
    torch.manual_seed(seed)
    model = {'mlp': MLP, 'lstm': LSTM, 'transformer': Transformer}[cfg['model']]().to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=cfg['lr'])
    steps_per_epoch = math.ceil(len(xtr) / cfg['batchSize'])
    assert cfg['schedule'] in ('cosine', 'constant'), cfg['schedule']
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg['epochs'] * steps_per_epoch, eta_min=cfg['lr'] / 100) if cfg['schedule'] == 'cosine' else None
    t0 = time.time()
    for epoch in range(cfg['epochs']):
        total, n = 0.0, 0
        for b in torch.randperm(len(xtr)).split(cfg['batchSize']):
            opt.zero_grad()
            loss, k = loss_of(model, xtr[b], ytr[b])
            loss.backward()
            if cfg['clip'] > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg['clip'])
            opt.step()
            if sched:
                sched.step()
            total += loss.item() * k
            n += k
        val = evaluate(model, *data['val'])
        print(f"{cfg['model']} seed {seed} epoch {epoch + 1}/{cfg['epochs']}: train {total / n:.4f} val {val:.4f} ({time.time() - t0:.1f}s)", flush=True)
    seconds = time.time() - t0
    test = evaluate(model, *data['test'])
    n_params = sum(p.numel() for p in model.parameters())
    results.append((val, test, seconds))
    print(f"{cfg['model']} seed {seed}: {n_params} parameters, validation loss {val:.4f}, test loss {test:.4f} nats per character, {seconds:.1f}s", flush=True)
vals = torch.tensor([r[0] for r in results], dtype=torch.float64)
print(f"{cfg['model']}: validation loss mean {vals.mean():.4f} ± {vals.std(unbiased=False):.4f} over {len(results)} seed(s), mean time {sum(r[2] for r in results) / len(results):.1f}s")
