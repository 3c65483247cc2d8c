"""Peer implementations of linear-icl's sampled-training loop, for bench/train/run.ts.

One long-lived process per library (`python peer.py torch` or `python peer.py jax`) reads one JSON
cell per line on stdin and answers one JSON line on stdout, so the TypeScript harness can interleave
ours and the peers cell by cell.

The loop is the one the papers run and the one src/train runs: each step draws B fresh prompts
(x_i ~ N(0, I_d), beta ~ N(0, I_d), y_i = x_i . beta, M context pairs and one query; the problem of
the TypeScript side: H = I, Psi = I, beta* = 0, sigma^2 = 0), embeds them as E = [[X^T, x], [y^T, 0]]
in R^{(d+1) x (M+1)}, runs the masked LSA or LTB (d_f = d + 1) forward pass normalised by 1/M,

    h = E + W_PV (E Mask E^T / M) W_KQ E,   LTB: h + W2^T W1 h,   prediction h[d, M],

takes the mean squared error against the query label and one Adam step (lr 1e-3, betas 0.9/0.999,
eps 1e-8) from the library's autodiff gradient.

- torch (as Ahn et al.'s linear_transformer repository): torch.set_num_threads(1), eager mode,
  torch.optim.Adam; the full (d+1) x (M+1) output is formed (as their model does).
- jax (as von Oswald et al.'s transformers_learn_icl_by_gd): the whole step (sampling, forward,
  jax.grad, Adam) under jax.jit, XLA's CPU backend restricted to one thread by XLA_FLAGS set
  before import; the full output is formed too.

`variant: "qcol"` forms only the query column (what src/train computes) — a stronger peer, reported
alongside. `dtype` is "float64" (linear-icl's precision) or "float32" (the papers' default).
"""
import json
import os
import sys
import time

LIB = sys.argv[1]

if LIB == "jax":
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    VERSION = f"jax {jax.__version__}, jaxlib {jax.lib.__version__ if hasattr(jax.lib, '__version__') else ''}".strip(", ")
    try:
        import jaxlib

        VERSION = f"jax {jax.__version__}, jaxlib {jaxlib.__version__}"
    except Exception:  # pragma: no cover
        pass
elif LIB == "torch":
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    VERSION = f"torch {torch.__version__} (threads {torch.get_num_threads()})"
else:
    raise SystemExit(f"unknown library {LIB!r}: use torch or jax")

LR = 1e-3
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8
INIT_SCALE = 0.1


def torch_cell(cell):
    d, M, B, model, seconds = cell["d"], cell["M"], cell["B"], cell["model"], cell["seconds"]
    dtype = torch.float64 if cell["dtype"] == "float64" else torch.float32
    qcol = cell.get("variant") == "qcol"
    p = d + 1
    g = torch.Generator().manual_seed(1)
    params = [INIT_SCALE * torch.randn(p, p, generator=g, dtype=dtype), INIT_SCALE * torch.randn(p, p, generator=g, dtype=dtype)]
    if model == "ltb":
        params += [INIT_SCALE * torch.randn(p, p, generator=g, dtype=dtype), INIT_SCALE * torch.randn(p, p, generator=g, dtype=dtype)]
    for t in params:
        t.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS)
    mask = torch.ones(M + 1, dtype=dtype)
    mask[M] = 0

    def step():
        X = torch.randn(B, M + 1, d, generator=g, dtype=dtype)
        beta = torch.randn(B, d, 1, generator=g, dtype=dtype)
        y = (X @ beta).squeeze(-1)  # [B, M+1]
        yq = y[:, M].clone()
        y[:, M] = 0
        E = torch.cat([X.transpose(1, 2), y.unsqueeze(1)], dim=1)  # [B, p, M+1]
        WKQ, WPV = params[0], params[1]
        G = (E * mask) @ E.transpose(1, 2) / M  # [B, p, p]
        if qcol:
            zq = E[:, :, M:]  # [B, p, 1]
            h = zq + WPV @ (G @ (WKQ @ zq))
        else:
            h = E + WPV @ G @ WKQ @ E
        if model == "ltb":
            W1, W2 = params[2], params[3]
            h = h + W2.T @ (W1 @ h)
        pred = h[:, d, -1]
        loss = ((pred - yq) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(5):
        step()
    n = 0
    t0 = time.perf_counter()
    while True:
        loss = step().detach()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 3:
            break
    return {"stepsPerSecond": n / el, "steps": n, "loss": float(loss)}


_jax_cache = {}


def jax_cell(cell):
    d, M, B, model, seconds = cell["d"], cell["M"], cell["B"], cell["model"], cell["seconds"]
    dtype = jnp.float64 if cell["dtype"] == "float64" else jnp.float32
    qcol = cell.get("variant") == "qcol"
    p = d + 1
    key = (d, M, B, model, cell["dtype"], qcol)
    if key not in _jax_cache:
        mask = jnp.ones(M + 1, dtype=dtype).at[M].set(0)

        def loss_fn(params, X, beta):
            y = (X @ beta)[..., 0]
            yq = y[:, M]
            y = y.at[:, M].set(0)
            E = jnp.concatenate([jnp.swapaxes(X, 1, 2), y[:, None, :]], axis=1)
            WKQ, WPV = params[0], params[1]
            G = (E * mask) @ jnp.swapaxes(E, 1, 2) / M
            if qcol:
                zq = E[:, :, M:]
                h = zq + WPV @ (G @ (WKQ @ zq))
            else:
                h = E + WPV @ G @ WKQ @ E
            if model == "ltb":
                h = h + params[3].T @ (params[2] @ h)
            return jnp.mean((h[:, d, -1] - yq) ** 2)

        def train_step(state, rng):
            params, m, v, t = state
            rng, k1, k2 = jax.random.split(rng, 3)
            X = jax.random.normal(k1, (B, M + 1, d), dtype=dtype)
            beta = jax.random.normal(k2, (B, d, 1), dtype=dtype)
            loss, grads = jax.value_and_grad(loss_fn)(params, X, beta)
            t = t + 1
            m = [BETA1 * mi + (1 - BETA1) * gi for mi, gi in zip(m, grads)]
            v = [BETA2 * vi + (1 - BETA2) * gi * gi for vi, gi in zip(v, grads)]
            c1 = 1 / (1 - BETA1**t)
            c2 = 1 / (1 - BETA2**t)
            params = [w - LR * (mi * c1) / (jnp.sqrt(vi * c2) + EPS) for w, mi, vi in zip(params, m, v)]
            return (params, m, v, t), rng, loss

        _jax_cache[key] = jax.jit(train_step)
    step = _jax_cache[key]
    rng = jax.random.PRNGKey(1)
    rng, k = jax.random.split(rng)
    nparams = 4 if model == "ltb" else 2
    params = [INIT_SCALE * jax.random.normal(kk, (p, p), dtype=dtype) for kk in jax.random.split(k, nparams)]
    state = (params, [jnp.zeros_like(w) for w in params], [jnp.zeros_like(w) for w in params], jnp.asarray(0, dtype=dtype))
    for _ in range(5):  # compile and warm up
        state, rng, loss = step(state, rng)
    loss.block_until_ready()
    n = 0
    t0 = time.perf_counter()
    while True:
        state, rng, loss = step(state, rng)
        loss.block_until_ready()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 3:
            break
    return {"stepsPerSecond": n / el, "steps": n, "loss": float(loss)}


def main():
    print(json.dumps({"ready": True, "version": VERSION}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cell = json.loads(line)
        try:
            out = torch_cell(cell) if LIB == "torch" else jax_cell(cell)
        except Exception as e:  # report, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
