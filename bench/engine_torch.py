"""PyTorch's side of the benchmark (float64), one case per process:
    /usr/bin/python3 bench/engine_torch.py CASE DATA_DIR SECONDS THREADS
prints one JSON line {secondsPerStep (median over blocks), maxRssMiB}.
The same step as the library's: loss, gradient (autograd), update."""
import json, os, resource, sys, time
import numpy as np
import torch

case, data_dir, budget, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
spec = json.loads(os.environ['BENCH_CASES'])[case]
torch.set_num_threads(threads)
torch.set_grad_enabled(True)
d = os.path.join(data_dir, case)

def load(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype=np.float64).reshape(shape))

def act_fn(a):
    p, alpha = a['p'], a['alpha']
    if p == 1:
        return (lambda z: torch.relu(z)) if alpha == 0 else (lambda z: torch.nn.functional.leaky_relu(z, alpha))
    if p == 2 and alpha == -1:
        return lambda z: z * z
    return lambda z: torch.maximum(z, alpha * z) ** p

sigma = act_fn(spec['activation'])

if case == 'pga-candidate':
    n, kin, kout, R, lr = spec['n'], spec['kin'], spec['kout'], spec['restarts'], spec['lr']
    P, G = load('P.f64', (n, kin)), load('G.f64', (n, kout))
    w = load('W0.f64', (R, kin + kout)).clone()
    def step():
        global w
        w.requires_grad_(True)
        values = ((G @ w[:, kin:].T) * sigma(P @ w[:, :kin].T)).mean(0)
        g, = torch.autograd.grad(values.sum(), w)
        with torch.no_grad():
            v = w + lr * g
            w = v / v.norm(dim=1, keepdim=True)
else:
    widths, n, lr = spec['widths'], spec['n'], spec['lr']
    X, Y = load('X.f64', (n, widths[0])), load('Y.f64', (n, widths[-1]))
    Ws = [load(f'W{l}.f64', (widths[l], widths[l - 1])).clone().requires_grad_(True) for l in range(1, len(widths))]
    def step():
        h = X
        for W in Ws[:-1]:
            h = sigma(h @ W.T)
        loss = ((h @ Ws[-1].T - Y) ** 2).sum() / (2 * n)
        grads = torch.autograd.grad(loss, Ws)
        with torch.no_grad():
            for W, g in zip(Ws, grads):
                W.sub_(lr * g)

def block(steps):
    for _ in range(steps):
        step()

# One untimed warm-up step (first-call setup), then blocks of at least 100 ms.
block(1)
steps = 1
while True:
    t = time.perf_counter(); block(steps)
    if time.perf_counter() - t > 0.1: break
    steps *= 2
per_step, end = [], time.perf_counter() + budget
while time.perf_counter() < end or len(per_step) < 5:
    t = time.perf_counter(); block(steps)
    per_step.append((time.perf_counter() - t) / steps)
per_step.sort()
print(json.dumps({'secondsPerStep': per_step[len(per_step) // 2], 'maxRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
