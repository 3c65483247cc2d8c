#!/usr/bin/env python3
"""numpy baseline for bench/risk/run.ts — the SAME closed forms as src/risk/gdbeta.ts and
src/risk/attention.ts, written as a numpy user would.

  gd-beta / gd-0 (original basis), A = eeᵀ + Ψ, e = β* − β₀, κ = 1 + 1/M, c = (tr(HA) + σ²)/M:
    R = σ² + tr(HA) − 2tr(HΓHA) + κ tr(ΓᵀHΓ·HAH) + c·tr(ΓᵀHΓH)
    ∇Γ = −2HAH + 2κHΓHAH + 2c·HΓH,   ∇β₀ = −2𝒬(Γ)e (gd-beta only),
    𝒬 = H − HΓH − HΓᵀH + κHΓᵀHΓH + (1/M)tr(ΓᵀHΓH)·H (applied to e by mat-vecs).
  gd-beta-eig / gd-0-eig: the eigenbasis kernel (Λ diagonal; O(d²) path when Ψ = ψ²I, one d×d×d
    product otherwise), inputs Γ̃ = VᵀΓV, ẽ = Vᵀe, Ψ̃ = VᵀΨV precomputed.
  lsa / ltb (masked): reduced form (β_m, p, Q) then the §3.3 risk, FORWARD AND GRADIENT (the same
    hand-written reverse pass as attention.ts), chain rule to the raw weights.

Usage: python3 numpy_risk.py INPUT.json check|time [budget_seconds_per_case]. Prints one JSON
object: {"numpy": version, "check": [...]} (risks and gradients, no timing) or
{"numpy": version, "timings": [...]} (evals/s per case: median, min, max over samples).
"""
import json
import statistics
import sys
import time

import numpy as np


# ---------------------------------------------------------------- GD-β, original basis
def gd_risk_orig(H, Psi, M, s2, bstar, G, b0, want_b0):
    e = bstar - b0 if b0 is not None else bstar
    kappa = 1.0 + 1.0 / M
    A = np.outer(e, e) + Psi
    HAH = H @ A @ H
    hA = np.sum(H * A)  # tr(HA), both symmetric
    HG = H @ G
    GtHG = G.T @ HG
    t1 = np.sum(G * HAH)  # tr(HΓHA) = tr(Γ·HAH)
    t2 = np.sum(GtHG * HAH)
    t3 = np.sum(GtHG * H)
    c = (hA + s2) / M
    R = s2 + hA - 2 * t1 + kappa * t2 + c * t3
    gG = -2 * HAH + 2 * kappa * (HG @ HAH) + 2 * c * (HG @ H)
    gB = None
    if want_b0:
        He = H @ e
        Qe = He - HG @ He - H @ (G.T @ He) + kappa * (H @ (G.T @ (HG @ He))) + (t3 / M) * He
        gB = -2 * Qe
    return R, gG, gB


# ---------------------------------------------------------------- GD-β, eigenbasis kernel
def gd_risk_eig(lam, PsiEig, psi2, M, s2, G, e, want_b0):
    kappa = 1.0 + 1.0 / M
    v = lam * e
    hA = np.dot(lam, np.diagonal(PsiEig) + e * e)
    w1 = G @ v
    if psi2 is not None:
        l2 = lam * lam
        t1 = psi2 * np.dot(l2, np.diagonal(G)) + np.dot(v, w1)
        P = (psi2 * G) * l2 + np.outer(w1, v)
        C = None
    else:
        C = (lam[:, None] * PsiEig) * lam + np.outer(v, v)
        t1 = np.sum(G * C)
        P = G @ C
    t2 = np.dot(lam, np.sum(G * P, axis=1))
    t3 = lam @ (G * G) @ lam
    c = (hA + s2) / M
    R = s2 + hA - 2 * t1 + kappa * t2 + c * t3
    if C is None:
        C = np.outer(v, v)
        C[np.diag_indices_from(C)] += psi2 * lam * lam
    gG = -2 * C + 2 * kappa * lam[:, None] * P + 2 * c * (lam[:, None] * G) * lam
    gB = None
    if want_b0:
        w2 = G.T @ v
        w3 = G.T @ (lam * w1)
        gB = -2 * (v - lam * w1 - lam * w2 + kappa * lam * w3 + (t3 / M) * v)
    return R, gG, gB


# ---------------------------------------------------------------- LSA / LTB (masked)
def reduced_form(est, d):
    n = d + 1
    WKQ, WPV = est["WKQ"], est["WPV"]
    u = np.zeros(n)
    u[n - 1] = 1.0
    if "W1" in est:
        u = u + est["W1"].T @ est["W2"][:, n - 1]
    p = WPV.T @ u
    Q = WKQ[:, :d]
    betaM = u[:d].copy() if "W1" in est else np.zeros(d)
    return betaM, p, Q, u


def risk_attention(pr, est, want_grad):
    d, M, s2, bs, t1, t2 = pr["d"], pr["M"], pr["sigma2"], pr["betaStar"], pr["t1"], pr["t2"]
    H, Psi = pr["H"], pr["Psi"]
    betaM, p, Q, u = reduced_form(est, d)
    px, py, Qx, qy = p[:d], p[d], Q[:d], Q[d]
    # forward
    w = px + py * bs
    V = Qx + np.outer(bs, qy)
    Hw = H @ w
    c0 = V.T @ Hw + s2 * py * qy
    HV = H @ V
    VH = V @ H
    L = py * HV.T + np.outer(qy, Hw)
    r = py * qy
    m = c0 + betaM - bs
    N = L - np.eye(d)
    Hq = H @ qy
    alpha2 = qy @ Hq
    alpha0 = np.sum(VH * HV) + s2 * alpha2
    a1 = HV @ Hq
    omega0 = w @ Hw + s2 * py * py
    b1 = py * Hw
    omega2 = py * py
    Hm, Hr, Hc0 = H @ m, H @ r, H @ c0
    HN, NPsi, HL, LPsi = H @ N, N @ Psi, H @ L, L @ Psi
    tau1 = np.sum(HN * NPsi)
    tau2 = np.sum(HL * LPsi)
    rHr = r @ Hr
    E1 = m @ Hm + tau1 + rHr * t2 + 2 * (m @ Hr) * t1
    E2 = c0 @ Hc0 + tau2 + rHr * t2 + 2 * (c0 @ Hr) * t1
    T3 = alpha0 * omega0 + (alpha0 * omega2 + alpha2 * omega0) * t1 + alpha2 * omega2 * t2 + 4 * (a1 @ (Psi @ b1))
    R = s2 + E1 + (E2 + T3) / M
    if not want_grad:
        return R, None
    # reverse pass (as attention.ts, masked)
    invM = 1.0 / M
    mbar = 2 * Hm + 2 * t1 * Hr
    rbar = 2 * t2 * (1 + invM) * Hr + 2 * t1 * Hm + 2 * t1 * invM * Hc0
    c0bar = 2 * invM * Hc0 + 2 * t1 * invM * Hr + mbar
    Lbar = 2 * (HN @ Psi) + 2 * invM * (HL @ Psi)
    alpha0bar = (omega0 + omega2 * t1) * invM
    omega0bar = (alpha0 + alpha2 * t1) * invM
    alpha2bar = (omega0 * t1 + omega2 * t2) * invM + s2 * alpha0bar
    omega2bar = (alpha0 * t1 + alpha2 * t2) * invM
    a1bar = 4 * invM * (Psi @ b1)
    b1bar = 4 * invM * (Psi @ a1)
    Ha1bar = H @ a1bar
    Vbar = np.outer(Hw, c0bar) + py * (H @ Lbar.T) + 2 * alpha0bar * (HV @ H) + np.outer(Ha1bar, Hq)
    Hwbar = V @ c0bar + Lbar.T @ qy + py * b1bar
    wbar = H @ Hwbar + 2 * omega0bar * Hw
    pybar = (rbar @ qy + s2 * (c0bar @ qy) + np.sum(Lbar.T * HV) + 2 * s2 * py * omega0bar
             + b1bar @ Hw + 2 * py * omega2bar + bs @ wbar)
    qybar = (py * rbar + s2 * py * c0bar + Lbar @ Hw + 2 * alpha2bar * Hq
             + H @ (V.T @ Ha1bar) + Vbar.T @ bs)
    n = d + 1
    gp = np.empty(n)
    gp[:d] = wbar
    gp[d] = pybar
    gWKQ = np.zeros((n, n))
    gWKQ[:d, :d] = Vbar
    gWKQ[d, :d] = qybar
    gWPV = np.outer(u, gp)
    out = {"gradWKQ": gWKQ, "gradWPV": gWPV}
    if "W1" in est:
        ubar = est["WPV"] @ gp
        ubar[:d] += mbar
        out["gradW1"] = np.outer(est["W2"][:, n - 1], ubar)
        gW2 = np.zeros_like(est["W2"])
        gW2[:, n - 1] = est["W1"] @ ubar
        out["gradW2"] = gW2
    return R, out


# ---------------------------------------------------------------- harness
def time_case(fn, budget):
    fn()  # warm-up
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-9)
    inner = max(1, int(0.02 / one))  # ~20 ms per sample
    samples = []
    start = time.perf_counter()
    while len(samples) < 3 or (time.perf_counter() - start < budget and len(samples) < 25):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    eps = sorted(1.0 / s for s in samples)
    return {"median": statistics.median(eps), "min": eps[0], "max": eps[-1], "samples": len(samples), "inner": inner}


def arr(x):
    return np.array(x, dtype=np.float64)


def main():
    inp = json.load(open(sys.argv[1]))
    mode = sys.argv[2]
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 0.4
    check, timings = [], []
    for case in inp["cases"]:
        d, M, s2 = case["d"], case["M"], case["sigma2"]
        H, Psi, bs = arr(case["H"]), arr(case["Psi"]), arr(case["betaStar"])
        G, b0 = arr(case["Gamma"]), arr(case["beta0"])
        lam, PsiEig = arr(case["lambda"]), arr(case["PsiEig"])
        psi2 = case["psiIsotropic"]
        Ge, ee, e0 = arr(case["GammaEig"]), arr(case["eEig"]), arr(case["e0Eig"])
        # t1 = tr(HΨ), t2 = t1² + 2tr(HΨHΨ): problem precomputation (outside timing, as in makeProblem)
        HPsi = H @ Psi
        t1 = float(np.trace(HPsi))
        pr = {"d": d, "M": M, "sigma2": s2, "betaStar": bs, "H": H, "Psi": Psi, "t1": t1,
              "t2": t1 * t1 + 2 * float(np.sum(HPsi * HPsi.T))}
        lsa = {k: arr(v) for k, v in case["lsa"].items()}
        ltb = {k: arr(v) for k, v in case["ltb"].items()}
        fns = {
            "gd-beta": lambda: gd_risk_orig(H, Psi, M, s2, bs, G, b0, True),
            "gd-0": lambda: gd_risk_orig(H, Psi, M, s2, bs, G, None, False),
            "gd-beta-eig": lambda: gd_risk_eig(lam, PsiEig, psi2, M, s2, Ge, ee, True),
            "gd-0-eig": lambda: gd_risk_eig(lam, PsiEig, psi2, M, s2, Ge, e0, False),
            "lsa": lambda: risk_attention(pr, lsa, False),
            "ltb": lambda: risk_attention(pr, ltb, False),
            "lsa+grad": lambda: risk_attention(pr, lsa, True),
            "ltb+grad": lambda: risk_attention(pr, ltb, True),
        }
        for kind, fn in fns.items():
            if mode == "time":
                t = time_case(fn, budget)
                t.update({"id": case["id"], "kind": kind, "d": d, "psi": case["psiKind"]})
                timings.append(t)
                print(f"  numpy {case['id']} {kind}: {t['median']:.4g} evals/s", file=sys.stderr, flush=True)
                continue
            res = fn()
            if kind.startswith("gd"):
                R, g1, g2 = res
                grads = {"gradGamma": g1.ravel().tolist()}
                if g2 is not None:
                    grads["gradBeta0"] = g2.tolist()
            else:
                R, gd = res
                grads = {k: v.ravel().tolist() for k, v in (gd or {}).items()}
            check.append({"id": case["id"], "kind": kind, "risk": float(R), "grads": grads})
    out = {"numpy": np.__version__}
    out["check" if mode == "check" else "timings"] = check if mode == "check" else timings
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
