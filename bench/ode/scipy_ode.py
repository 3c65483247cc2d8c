"""scipy.integrate.solve_ivp on the ODE test set of bench/ode/run.ts (problems mirrored from
bench/ode/problems.ts, same ids, same analytic Jacobians).

Input (JSON file, argv[1]):
  {"runs": [{"id", "method", "rtol", "atol"}], "repeats": R, "budget": s, "repeatBudget": s}
    -> {"versions", "results": [{"id", "method", "rtol", "status", "seconds" (median of the
        repeats, time.process_time (CPU seconds) around solve_ivp only), "repeats", "nfev", "njev", "nlu",
        "steps", "y"}]}
Repeats stop early once their total time exceeds `repeatBudget`. A solve whose right-hand side is
called after its deadline (`budget` seconds per single solve) is reported as status "budget".
bench/ode/reference.ts uses the same input with repeats = 1 for the stored reference solutions.
"""

import json
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp

AR_MU = 0.012277471
AR_MUP = 1.0 - AR_MU


class Budget(Exception):
    pass


def arenstorf():
    def f(t, y):
        y1, y2, y3, y4 = y
        d1 = ((y1 + AR_MU) ** 2 + y2 * y2) ** 1.5
        d2 = ((y1 - AR_MUP) ** 2 + y2 * y2) ** 1.5
        return np.array([y3, y4,
                         y1 + 2 * y4 - AR_MUP * (y1 + AR_MU) / d1 - AR_MU * (y1 - AR_MUP) / d2,
                         y2 - 2 * y3 - AR_MUP * y2 / d1 - AR_MU * y2 / d2])

    def jac(t, y):
        y1, y2 = y[0], y[1]
        a, b = y1 + AR_MU, y1 - AR_MUP
        r1, r2 = a * a + y2 * y2, b * b + y2 * y2
        r13, r23, r15, r25 = r1 ** 1.5, r2 ** 1.5, r1 ** 2.5, r2 ** 2.5
        j32 = AR_MUP * 3 * a * y2 / r15 + AR_MU * 3 * b * y2 / r25
        return np.array([[0, 0, 1, 0], [0, 0, 0, 1],
                         [1 - AR_MUP * (1 / r13 - 3 * a * a / r15) - AR_MU * (1 / r23 - 3 * b * b / r25), j32, 0, 2],
                         [j32, 1 - AR_MUP * (1 / r13 - 3 * y2 * y2 / r15) - AR_MU * (1 / r23 - 3 * y2 * y2 / r25), -2, 0]])

    return f, jac, [0.994, 0.0, 0.0, -2.00158510637908252240537862224], (0.0, 17.0652165601579625588917206249)


def lotka():
    def f(t, y):
        return np.array([1.5 * y[0] - y[0] * y[1], -3 * y[1] + y[0] * y[1]])

    def jac(t, y):
        return np.array([[1.5 - y[1], -y[0]], [y[1], -3 + y[0]]])

    return f, jac, [1.0, 1.0], (0.0, 10.0)


def vdp(mu, t1):
    def f(t, y):
        return np.array([y[1], mu * (1 - y[0] * y[0]) * y[1] - y[0]])

    def jac(t, y):
        return np.array([[0.0, 1.0], [-2 * mu * y[0] * y[1] - 1, mu * (1 - y[0] * y[0])]])

    return f, jac, [2.0, 0.0], (0.0, t1)


def robertson():
    def f(t, y):
        r1 = 0.04 * y[0]
        r2 = 1e4 * y[1] * y[2]
        r3 = 3e7 * y[1] * y[1]
        return np.array([-r1 + r2, r1 - r2 - r3, r3])

    def jac(t, y):
        return np.array([[-0.04, 1e4 * y[2], 1e4 * y[1]],
                         [0.04, -1e4 * y[2] - 6e7 * y[1], -1e4 * y[1]],
                         [0.0, 6e7 * y[1], 0.0]])

    return f, jac, [1.0, 0.0, 0.0], (0.0, 1e11)


def hires():
    def f(t, y):
        k = 280 * y[5] * y[7]
        return np.array([
            -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007,
            1.71 * y[0] - 8.75 * y[1],
            -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4],
            8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3],
            -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6],
            -k + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6],
            k - 1.81 * y[6],
            -k + 1.81 * y[6]])

    def jac(t, y):
        J = np.zeros((8, 8))
        J[0, 0], J[0, 1], J[0, 2] = -1.71, 0.43, 8.32
        J[1, 0], J[1, 1] = 1.71, -8.75
        J[2, 2], J[2, 3], J[2, 4] = -10.03, 0.43, 0.035
        J[3, 1], J[3, 2], J[3, 3] = 8.32, 1.71, -1.12
        J[4, 4], J[4, 5], J[4, 6] = -1.745, 0.43, 0.43
        J[5, 3], J[5, 4], J[5, 5], J[5, 6], J[5, 7] = 0.69, 1.71, -0.43 - 280 * y[7], 0.69, -280 * y[5]
        J[6, 5], J[6, 6], J[6, 7] = 280 * y[7], -1.81, 280 * y[5]
        J[7, 5], J[7, 6], J[7, 7] = -280 * y[7], 1.81, -280 * y[5]
        return J

    return f, jac, [1.0, 0, 0, 0, 0, 0, 0, 0.0057], (0.0, 321.8122)


PROBLEMS = {
    "arenstorf": arenstorf,
    "lotka": lotka,
    "vdp1": lambda: vdp(1.0, 20.0),
    "vdp1000": lambda: vdp(1000.0, 3000.0),
    "robertson": robertson,
    "hires": hires,
}
IMPLICIT = {"Radau", "BDF", "LSODA"}


def run_once(rec, budget):
    f, jac, y0, span = PROBLEMS[rec["id"]]()
    deadline = [float("inf")]
    calls = [0]

    def fb(t, y):
        calls[0] += 1
        if calls[0] % 256 == 0 and time.process_time() > deadline[0]:
            raise Budget()
        return f(t, y)

    kw = {"jac": jac} if rec["method"] in IMPLICIT else {}
    start = time.process_time()
    deadline[0] = start + budget
    try:
        sol = solve_ivp(fb, span, np.array(y0, dtype=float), method=rec["method"], rtol=rec["rtol"], atol=rec["atol"], **kw)
    except Budget:
        return {"status": "budget", "seconds": time.process_time() - start}
    seconds = time.process_time() - start
    return {
        "status": "success" if sol.status == 0 else f"failed: {sol.message}",
        "seconds": seconds,
        "nfev": int(sol.nfev),
        "njev": int(sol.njev),
        "nlu": int(sol.nlu),
        "steps": int(len(sol.t) - 1),
        "y": [float(v) for v in sol.y[:, -1]],
    }


def main():
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    repeats = int(spec.get("repeats", 1))
    budget = float(spec.get("budget", 60))
    repeat_budget = float(spec.get("repeatBudget", 3))
    out = []
    for rec in spec["runs"]:
        times = []
        first = None
        spent = 0.0
        for _ in range(repeats):
            r = run_once(rec, budget)
            if first is None:
                first = r
            if r["status"] != "success":
                break
            times.append(r["seconds"])
            spent += r["seconds"]
            if spent > repeat_budget:
                break
        res = dict(rec)
        res.update(first)
        if times:
            res["seconds"] = statistics.median(times)
        res["repeats"] = len(times)
        out.append(res)
        print(f"  scipy {rec['id']} {rec['method']} rtol={rec['rtol']:.0e}: {res['status']} {res['seconds']:.3g} s", file=sys.stderr, flush=True)
    json.dump({"versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__}, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
