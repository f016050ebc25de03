"""Per-iteration time of the `implicit` library's CG ALS on the same positives as reel's
implicit model (benches/implicit_peer.rs prints the matching reel figures).

    VENV/bin/pip install "numpy<2" scipy pandas implicit
    VENV/bin/python benches/implicit_peer.py DATA_DIR [--iterations 6] [--factors 64] [--cg 3]

Positives and confidences follow reel's ImplicitConfig defaults: a rating r >= 4 is a
positive with confidence 1 + alpha * max(0.05, 1 + slope * (r - 3)), alpha 10, slope 0.5;
regularisation 60. implicit takes the confidences as the matrix values.
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--cg", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()

    t0 = time.perf_counter()
    df = pd.read_csv(
        os.path.join(a.data, "ratings.csv"),
        usecols=["userId", "movieId", "rating"],
        dtype={"userId": np.int64, "movieId": np.int64, "rating": np.float32},
    )
    df = df[df.rating >= 4.0]
    users = df.userId.astype("category")
    items = df.movieId.astype("category")
    conf = 1.0 + 10.0 * np.maximum(0.05, 1.0 + 0.5 * (df.rating.values - 3.0))
    m = sp.csr_matrix(
        (conf.astype(np.float32), (users.cat.codes.values, items.cat.codes.values)),
        shape=(len(users.cat.categories), len(items.cat.categories)),
    )
    print(f"positives {m.nnz:,} users {m.shape[0]:,} items {m.shape[1]:,} "
          f"(read in {time.perf_counter() - t0:.1f} s)", flush=True)

    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(
        factors=a.factors,
        regularization=60.0,
        iterations=a.iterations,
        use_cg=True,
        calculate_training_loss=False,
        num_threads=a.threads,
        random_state=42,
        dtype=np.float32,
    )
    # Not a constructor argument in implicit 0.7; the CPU model reads the attribute.
    model.cg_steps = a.cg
    times = []
    last = [time.perf_counter()]

    def tick(iteration, elapsed, loss):
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    start = time.perf_counter()
    last[0] = start
    model.fit(m, show_progress=False, callback=tick)
    total = time.perf_counter() - start
    print("implicit per-iteration s: " + " ".join(f"{t:.3f}" for t in times))
    print(f"implicit median {np.median(times):.3f} s/iteration, fit {total:.2f} s")


if __name__ == "__main__":
    main()
