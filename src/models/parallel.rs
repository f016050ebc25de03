//! Orchestration of the models' parallel loops: one rayon pass over all rows,
//! progress reported from the calling thread as rows complete (no barrier
//! between batches, so no core waits for the slowest row of a batch), and
//! per-thread scratch reused across rayon's jobs instead of rebuilt for each.

use std::sync::{mpsc, Mutex};

use rayon::prelude::*;

use super::Progress;

/// `f(scratch, row)` for every row in `0..n`, in parallel; the results in row
/// order. `new_scratch` builds a scratch when no idle one is left over from an
/// earlier job. `progress` is called on the calling thread, about 64 times.
pub fn par_map_rows<S, T>(
    n: usize,
    new_scratch: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> T + Sync,
    stage: &str,
    progress: &mut dyn FnMut(Progress),
) -> Vec<T>
where
    S: Send,
    T: Send,
{
    let idle: Mutex<Vec<S>> = Mutex::new(Vec::new());
    // Completed rows are sent in batches: a message per row would wake the calling
    // thread thousands of times.
    let (tx, rx) = mpsc::channel::<usize>();
    let batch = (n / 256).max(1);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            // Owned here, so the channel closes when the work is done.
            let tx = tx;
            (0..n)
                .into_par_iter()
                .map_init(
                    || Reused::take(&idle, &new_scratch, &tx),
                    |scratch, row| {
                        let out = f(scratch.get(), row);
                        scratch.rows_done += 1;
                        if scratch.rows_done >= batch {
                            scratch.report();
                        }
                        out
                    },
                )
                .collect::<Vec<T>>()
        });
        let step = (n / 64).max(1);
        let mut done = 0usize;
        let mut reported = 0usize;
        while let Ok(rows) = rx.recv() {
            done += rows;
            if done >= reported + step || done == n {
                reported = done;
                progress(Progress {
                    stage: stage.into(),
                    done: done as u64,
                    total: n as u64,
                });
            }
        }
        match worker.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Runs two independent fits at once (`rayon::join`), each reporting progress as
/// if alone; the reports reach `progress` on the calling thread, interleaved. On
/// two cores this fills the gaps of each fit's serial steps and barriers.
pub fn join_fits<A, B>(
    a: impl FnOnce(&mut dyn FnMut(Progress)) -> A + Send,
    b: impl FnOnce(&mut dyn FnMut(Progress)) -> B + Send,
    progress: &mut dyn FnMut(Progress),
) -> (A, B)
where
    A: Send,
    B: Send,
{
    let (tx, rx) = mpsc::channel::<Progress>();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            let tx_b = tx.clone();
            // A failed send only means nobody is listening any more.
            rayon::join(
                move || a(&mut |p| drop(tx.send(p))),
                move || b(&mut |p| drop(tx_b.send(p))),
            )
        });
        for p in rx {
            progress(p);
        }
        match worker.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A scratch borrowed from the idle list, returned to it when rayon's job ends,
/// with the count of rows the job finished and has not yet reported.
struct Reused<'a, S> {
    scratch: Option<S>,
    idle: &'a Mutex<Vec<S>>,
    rows_done: usize,
    done_tx: &'a mpsc::Sender<usize>,
}

impl<'a, S> Reused<'a, S> {
    fn take(
        idle: &'a Mutex<Vec<S>>,
        new_scratch: &impl Fn() -> S,
        done_tx: &'a mpsc::Sender<usize>,
    ) -> Self {
        let reused = idle.lock().ok().and_then(|mut v| v.pop());
        Reused {
            scratch: Some(reused.unwrap_or_else(new_scratch)),
            idle,
            rows_done: 0,
            done_tx,
        }
    }

    fn report(&mut self) {
        if self.rows_done > 0 {
            // The receiver outlives the worker; a failed send only means nobody
            // is listening any more.
            let _ = self.done_tx.send(self.rows_done);
            self.rows_done = 0;
        }
    }

    fn get(&mut self) -> &mut S {
        match self.scratch.as_mut() {
            Some(s) => s,
            None => unreachable!("the scratch is taken only on drop"),
        }
    }
}

impl<S> Drop for Reused<'_, S> {
    fn drop(&mut self) {
        self.report();
        if let (Some(s), Ok(mut idle)) = (self.scratch.take(), self.idle.lock()) {
            idle.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_in_row_order_and_progress_reaches_the_end() {
        let mut seen = Vec::new();
        let out = par_map_rows(
            1000,
            Vec::<usize>::new,
            |scratch, row| {
                scratch.push(row);
                row * 2
            },
            "rows",
            &mut |p| seen.push((p.done, p.total)),
        );
        assert_eq!(out, (0..1000).map(|r| r * 2).collect::<Vec<_>>());
        assert_eq!(seen.last(), Some(&(1000, 1000)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn joined_fits_return_both_results_and_forward_all_progress() {
        let report = |stage: &'static str, n: u64| {
            move |progress: &mut dyn FnMut(Progress)| {
                for done in 1..=n {
                    progress(Progress {
                        stage: stage.into(),
                        done,
                        total: n,
                    });
                }
                stage.len()
            }
        };
        let mut seen = Vec::new();
        let (a, b) = join_fits(report("epoch", 5), report("implicit", 3), &mut |p| {
            seen.push((p.stage, p.done))
        });
        assert_eq!((a, b), (5, 8));
        assert_eq!(seen.len(), 8);
        assert!(seen.contains(&("epoch".to_string(), 5)));
        assert!(seen.contains(&("implicit".to_string(), 3)));
    }

    #[test]
    fn empty_input_reports_nothing() {
        let mut calls = 0;
        let out: Vec<u8> = par_map_rows(0, || (), |_, _| 0, "rows", &mut |_| calls += 1);
        assert!(out.is_empty());
        assert_eq!(calls, 0);
    }
}
