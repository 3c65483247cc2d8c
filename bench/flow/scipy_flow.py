"""scipy.integrate.solve_ivp on the GD-β gradient flow — the baseline of bench/flow/run.ts.

The right-hand side is the same eigenbasis formula as src/risk/gdbeta.ts (gdBetaRiskEig), written
in numpy: state y = [Γ̃ (d², row-major), β̃₀ (d)], O(d²) per call when Ψ = ψ²I, one d×d×d product
otherwise. The analytic Jacobian J = −∇²R (for LSODA/BDF/Radau) is assembled densely from its
blocks (see src/flow/stiff.ts):
  J_ΓΓ = −Λ ⊗ B',  J_Γβ x = −2(PΛx)uᵀ − 2p(Λx)ᵀ + (4/M)(uᵀx)K,
  J_βΓ X = −2Λ(PᵀXu + Xᵀp) + (4/M)⟨X, K⟩u,  J_ββ = −2𝒬̃.
The run stops (terminal event) when R − R* ≤ target, with R − R* computed cancellation-free as
½tr(XᵀΛXB'₀) + ẽᵀ𝒬̃ẽ, X = Γ̃ − Γ̃*.

Input (JSON file given as argv[1]): {"cases": [{id, d, M, sigma2, lam, Psi, psi2, bs, Gstar, B0,
Rstar, target, distTarget?, methods: [{method, rtol?, jac?}], rtol, atolFactor (atol = rtol·atolFactor),
budget, tEnd?, y0?, returnY?}]}. With distTarget the terminal event is max(gap/target, ‖y − y*‖/distTarget) = 1
(the stopping rule of runFlow: both targets met). Output (stdout): {versions, results: [{id, method, rtol, status, seconds,
nfev, njev, nlu, steps, t, gap, dist, y?}]}. Wall time is measured with
time.perf_counter around solve_ivp only (interpreter start-up and set-up excluded). Each method has
a wall-clock budget enforced inside the right-hand side.
"""

import json
import sys
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp


class Budget(Exception):
    pass


def make(case):
    d = case["d"]
    M = case["M"]
    s2 = case["sigma2"]
    lam = np.array(case["lam"], dtype=float)
    Psi = np.array(case["Psi"], dtype=float).reshape(d, d)
    psi2 = case["psi2"]
    bs = np.array(case["bs"], dtype=float)
    Gs = np.array(case["Gstar"], dtype=float).reshape(d, d)
    B0 = np.array(case["B0"], dtype=float).reshape(d, d)
    kappa = 1.0 + 1.0 / M
    d2 = d * d
    diagPsi = np.diag(Psi).copy()
    LPL = lam[:, None] * Psi * lam[None, :]
    lam2 = lam * lam
    counter = {"nfev": 0, "njev": 0, "deadline": float("inf")}

    def parts(y):
        G = y[:d2].reshape(d, d)
        e = bs - y[d2:]
        v = lam * e
        hA = np.dot(lam, diagPsi + e * e)
        w1 = G @ v
        if psi2 is not None:
            C = None
            P = psi2 * G * lam2[None, :] + np.outer(w1, v)
        else:
            C = LPL + np.outer(v, v)
            P = G @ C
        c = (hA + s2) / M
        t3 = np.dot(lam, (G * G) @ lam)
        w2 = G.T @ v
        w3 = G.T @ (lam * w1)
        Qe = v - lam * w1 - lam * w2 + kappa * lam * w3 + (t3 / M) * v
        return G, e, v, C, P, c, Qe

    def rhs(t, y):
        counter["nfev"] += 1
        if counter["nfev"] % 64 == 0 and time.perf_counter() > counter["deadline"]:
            raise Budget()
        G, e, v, C, P, c, Qe = parts(y)
        if C is None:
            Cm = np.outer(v, v)
            Cm[np.diag_indices(d)] += psi2 * lam2
        else:
            Cm = C
        gG = -2.0 * Cm + 2.0 * kappa * lam[:, None] * P + 2.0 * c * lam[:, None] * G * lam[None, :]
        out = np.empty_like(y)
        out[:d2] = -gG.ravel()
        out[d2:] = 2.0 * Qe
        return out

    def gap(y):
        G, e, v, C, P, c, Qe = parts(y)
        X = G - Gs
        return 0.5 * np.sum(lam[:, None] * X * (X @ B0)) + np.dot(e, Qe)

    def jac(t, y):
        counter["njev"] += 1
        G = y[:d2].reshape(d, d)
        e = bs - y[d2:]
        u = lam * e
        c = (np.dot(lam, diagPsi) + np.dot(u, e) + s2) / M
        B = 2.0 * kappa * (LPL + np.outer(u, u)) + 2.0 * c * np.diag(lam)
        P = np.eye(d) - kappa * lam[:, None] * G
        p = P @ u
        K = lam[:, None] * G * lam[None, :]
        J = np.zeros((d2 + d, d2 + d))
        J[:d2, :d2] = -np.kron(np.diag(lam), B)
        # J_Γβ[(i,j), m] = −2 P_im λ_m u_j − 2 p_i λ_m δ_jm + (4/M) u_m K_ij
        Jgb = -2.0 * np.einsum("im,m,j->ijm", P, lam, u)
        Jgb -= 2.0 * np.einsum("i,m,jm->ijm", p, lam, np.eye(d))
        Jgb += (4.0 / M) * np.einsum("m,ij->ijm", u, K)
        J[:d2, d2:] = Jgb.reshape(d2, d)
        # J_βΓ[l, (i,j)] = −2 λ_l (P_il u_j + δ_lj p_i) + (4/M) K_ij u_l
        Jbg = -2.0 * np.einsum("l,il,j->lij", lam, P, u)
        Jbg -= 2.0 * np.einsum("l,lj,i->lij", lam, np.eye(d), p)
        Jbg += (4.0 / M) * np.einsum("ij,l->lij", K, u)
        J[d2:, :d2] = Jbg.reshape(d, d2)
        # J_ββ = −2𝒬̃
        LG = lam[:, None] * G
        GtLG = G.T @ LG
        t3 = np.dot(lam, np.diag(GtLG))
        Q = np.diag(lam * (1.0 + t3 / M)) - lam[:, None] * G * lam[None, :] - lam[:, None] * G.T * lam[None, :] + kappa * lam[:, None] * GtLG * lam[None, :]
        J[d2:, d2:] = -2.0 * Q
        return J

    return rhs, jac, gap, counter, Gs


def run_case(case):
    d = case["d"]
    n = d * d + d
    rhs, jac, gap, counter, Gs = make(case)
    ystar = np.concatenate([Gs.ravel(), np.array(case["bs"], dtype=float)])
    y0 = np.array(case["y0"], dtype=float) if case.get("y0") is not None else np.zeros(n)
    target = case["target"]
    results = []
    for spec in case["methods"]:
        method = spec["method"]
        rtol = spec.get("rtol", case["rtol"])
        counter["nfev"] = 0
        counter["njev"] = 0
        kwargs = dict(method=method, rtol=rtol, atol=rtol * case["atolFactor"])
        if method in ("LSODA", "BDF", "Radau") and spec.get("jac", True):
            kwargs["jac"] = jac
        t_end = case.get("tEnd")
        events = None
        dist_target = case.get("distTarget")
        if t_end is None and dist_target is not None:
            # the stopping rule of src/flow/run.ts: ‖θ − θ*‖ ≤ distTarget and R − R* ≤ target
            def ev(t, y):
                return max(gap(y) / target, float(np.linalg.norm(y - ystar)) / dist_target) - 1.0
            ev.terminal = True
            ev.direction = -1
            events = ev
            t_end = 1e300
        elif t_end is None:
            def ev(t, y):
                return gap(y) - target
            ev.terminal = True
            ev.direction = -1
            events = ev
            t_end = 1e300
        start = time.perf_counter()
        counter["deadline"] = start + case["budget"]
        status = "converged"
        sol = None
        try:
            sol = solve_ivp(rhs, (0.0, t_end), y0, events=events, **kwargs)
            seconds = time.perf_counter() - start
            if case.get("tEnd") is not None:
                status = "success" if sol.status == 0 else "failed"
            elif sol.status != 1:
                status = "failed: " + str(sol.message)
        except Budget:
            seconds = time.perf_counter() - start
            status = "budget"
        except MemoryError:
            seconds = time.perf_counter() - start
            status = "memory"
        r = {"id": case["id"], "method": method, "rtol": rtol, "status": status, "seconds": seconds, "nfev": counter["nfev"], "njev": counter["njev"]}
        if sol is not None:
            y = sol.y[:, -1]
            r.update({"nlu": int(sol.nlu), "steps": int(sol.t.size - 1), "t": float(sol.t[-1]), "gap": float(gap(y)), "dist": float(np.linalg.norm(y - ystar))})
            if case.get("returnY"):
                r["y"] = y.tolist()
        results.append(r)
    return results


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    out = {"versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__}, "results": []}
    for case in spec["cases"]:
        out["results"].extend(run_case(case))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
