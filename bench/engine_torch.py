"""PyTorch's side of the benchmark (float64), one case per process:
    /usr/bin/python3 bench/engine_torch.py CASE DATA_DIR SECONDS THREADS
prints one JSON line {secondsPerStep (median over blocks), maxRssMiB, blas}.
The same step as the library's: loss, gradient (autograd), update. CASE np-fit
replays the work log of the library's whole NP fit once and reports its seconds.
    /usr/bin/python3 bench/engine_torch.py blas
prints only `blas`: the BLAS library torch loaded (see blas_info)."""
import ctypes, json, os, re, resource, sys, time
import numpy as np
import torch


class _DlInfo(ctypes.Structure):
    _fields_ = [('fname', ctypes.c_char_p), ('fbase', ctypes.c_void_p),
                ('sname', ctypes.c_char_p), ('saddr', ctypes.c_void_p)]


def _dgemm_file(lib):
    """The file that defines dgemm_ as seen from `lib`'s handle, or None."""
    try:
        symbol = lib.dgemm_
    except AttributeError:
        return None
    libc = ctypes.CDLL(None)
    libc.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    info = _DlInfo()
    if not libc.dladdr(ctypes.cast(symbol, ctypes.c_void_p), ctypes.byref(info)) or not info.fname:
        return None
    return os.path.realpath(info.fname.decode())


def blas_info():
    """The BLAS that torch actually runs. After a float64 matmul: the shared libraries mapped into this
    process (/proc/self/maps, resolved with realpath), and the one whose dgemm_ libtorch_cpu calls (looked
    up as the dynamic linker does: the global scope first, then libtorch_cpu's own dependencies), classified
    as openblas, mkl, blis, reference (Debian's netlib libblas.so.3, in .../blas/) or unknown; for OpenBLAS
    its own report (version and build, the kernel core it picked, its thread count); the OPENBLAS_* environment."""
    a = torch.ones(64, 64, dtype=torch.float64)
    (a @ a).sum().item()
    mapped = set()
    with open('/proc/self/maps') as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and parts[5].startswith('/'):
                mapped.add(parts[5])
    libraries = sorted({os.path.realpath(p) for p in mapped if re.search(r'blas|lapack|mkl|blis', os.path.basename(p))})
    torch_cpu = next((p for p in mapped if os.path.basename(p).startswith('libtorch_cpu')), None)
    dgemm = _dgemm_file(ctypes.CDLL(None)) or (torch_cpu and _dgemm_file(ctypes.CDLL(torch_cpu)))
    name = os.path.basename(dgemm or '')
    if dgemm is None:
        kind = 'unknown'
    elif 'openblas' in dgemm:
        kind = 'openblas'
    elif 'mkl' in name:
        kind = 'mkl'
    elif 'blis' in name:
        kind = 'blis'
    elif name.startswith('libblas.so') and os.path.basename(os.path.dirname(dgemm)) == 'blas':
        kind = 'reference'
    else:
        kind = 'unknown'
    info = {'kind': kind, 'dgemm': dgemm, 'libraries': libraries,
            'env': {k: v for k, v in sorted(os.environ.items()) if k.startswith('OPENBLAS')}}
    if kind == 'openblas':
        lib = ctypes.CDLL(dgemm)
        if not hasattr(lib, 'openblas_get_config'):
            lib = ctypes.CDLL(next(p for p in libraries if os.path.basename(p).startswith('libopenblas')))
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info['openblas'] = {'config': lib.openblas_get_config().decode(),
                            'core': lib.openblas_get_corename().decode(),
                            'threads': lib.openblas_get_num_threads()}
    return info


if sys.argv[1] == 'blas':
    print(json.dumps(blas_info()))
    sys.exit(0)

case, data_dir, budget, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
spec = json.loads(os.environ['BENCH_CASES']).get(case)
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

sigma = act_fn(spec['activation']) if spec else None

def gd_step(widths, n, lr, backward=True, update=True, seed=0):
    """A step on random data and weights of these widths: loss, and unless told otherwise gradient and update."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, widths[0], generator=g, dtype=torch.float64)
    Y = torch.randn(n, widths[-1], generator=g, dtype=torch.float64)
    def weights(rows, cols):
        return (torch.randn(rows, cols, generator=g, dtype=torch.float64) / cols ** 0.5).requires_grad_(True)
    Ws = [weights(widths[l], widths[l - 1]) for l in range(1, len(widths))]
    return make_gd_step(X, Y, Ws, n, lr, backward, update)

def make_gd_step(X, Y, Ws, n, lr, backward=True, update=True):
    def step():
        with torch.set_grad_enabled(backward):
            h = X
            for W in Ws[:-1]:
                h = sigma(h @ W.T)
            loss = ((h @ Ws[-1].T - Y) ** 2).sum() / (2 * n)
            if not backward:
                return
            grads = torch.autograd.grad(loss, Ws)
        if update:
            with torch.no_grad():
                for W, g in zip(Ws, grads):
                    W.sub_(lr * g)
    return step

def make_pga_step(values_of, w, lr):
    """One PGA step for all rows of w: values, gradient, w <- (w + lr grad) / norm."""
    state = {'w': w}
    def step():
        w = state['w'].requires_grad_(True)
        g, = torch.autograd.grad(values_of(w).sum(), w)
        with torch.no_grad():
            v = w + lr * g
            state['w'] = v / v.norm(dim=1, keepdim=True)
    return step

def candidate_values(P, G, kin):
    return lambda w: ((G @ w[:, kin:].T) * sigma(P @ w[:, :kin].T)).mean(0)

def origin_values(X, Y, d, depth):
    # the one-wide network of depth L for every row w = [w_1 (d), w_2 … w_{L−1}, w_L (m)]
    def values(w):
        h = sigma(X @ w[:, :d].T)
        for l in range(depth - 2):
            h = sigma(h * w[:, d + l])
        return ((Y @ w[:, d + depth - 2:].T) * h).mean(0)
    return values

def sphere(rows, dim, g):
    w = torch.randn(rows, dim, generator=g, dtype=torch.float64)
    return w / w.norm(dim=1, keepdim=True)

if case == 'np-fit':
    # Replays the work log of the library's whole NP fit (bench/work-log.ts): the same passes and PGA
    # steps, at the same shapes and restart counts, in the same order, on random data of those shapes.
    work = json.load(open(os.path.join(data_dir, 'np-fit-work.json')))
    spec = {'activation': {'name': 'replay', **work['activation']}}
    sigma = act_fn(spec['activation']) if spec else None
    g = torch.Generator().manual_seed(0)
    steps = []
    for e in work['entries']:
        if e['op'] == 'pass':
            step = gd_step(e['widths'], e['n'], 1e-3, e['backward'], e['update'])
        elif e['op'] == 'candidate':
            P = torch.randn(e['n'], e['kin'], generator=g, dtype=torch.float64)
            G = torch.randn(e['n'], e['kout'], generator=g, dtype=torch.float64)
            step = make_pga_step(candidate_values(P, G, e['kin']), sphere(e['restarts'], e['kin'] + e['kout'], g), 0.2)
        else:
            X = torch.randn(e['n'], e['d'], generator=g, dtype=torch.float64)
            Y = torch.randn(e['n'], e['m'], generator=g, dtype=torch.float64)
            points = sphere(e['restarts'], e['d'] + e['depth'] - 2 + e['m'], g)
            step = make_pga_step(origin_values(X, Y, e['d'], e['depth']), points, 0.2)
        steps.append((step, e['count']))
    t = time.perf_counter()
    for step, count in steps:
        for _ in range(count):
            step()
    seconds = time.perf_counter() - t
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'secondsPerStep': seconds, 'maxRssMiB': max_rss_mib, 'blas': blas_info()}))
    sys.exit(0)

if case == 'pga-candidate':
    n, kin, kout, R, lr = spec['n'], spec['kin'], spec['kout'], spec['restarts'], spec['lr']
    P, G = load('P.f64', (n, kin)), load('G.f64', (n, kout))
    step = make_pga_step(candidate_values(P, G, kin), load('W0.f64', (R, kin + kout)).clone(), lr)
else:
    widths, n, lr = spec['widths'], spec['n'], spec['lr']
    X, Y = load('X.f64', (n, widths[0])), load('Y.f64', (n, widths[-1]))
    Ws = [load(f'W{l}.f64', (widths[l], widths[l - 1])).clone().requires_grad_(True) for l in range(1, len(widths))]
    step = make_gd_step(X, Y, Ws, n, lr)

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
max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({'secondsPerStep': per_step[len(per_step) // 2], 'maxRssMiB': max_rss_mib, 'blas': blas_info()}))
