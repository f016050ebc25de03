//! Optional per-client rate limiting (`reel serve --rate-limit N`): a token bucket per
//! client IP address, refilled at N requests per second, holding at most N (so a burst
//! of N passes). Over the limit: 429 with `Retry-After`. `/health` is never limited.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Buckets idle this long are dropped (they would be full again anyway).
const IDLE: Duration = Duration::from_secs(60);
/// Past this many tracked clients, idle buckets are swept.
const SWEEP_AT: usize = 10_000;

/// The buckets of every client.
#[derive(Clone)]
pub struct RateLimiter {
    per_second: f64,
    buckets: Arc<Mutex<HashMap<IpAddr, (f64, Instant)>>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            buckets: Arc::default(),
        }
    }

    /// Takes one token for `ip`; `Err(seconds until one is free)` when empty.
    fn take(&self, ip: IpAddr, now: Instant) -> Result<(), f64> {
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, (_, last)| now.duration_since(*last) < IDLE);
        }
        let (tokens, last) = buckets.entry(ip).or_insert((self.per_second, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.per_second);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - *tokens) / self.per_second)
        }
    }
}

pub async fn limit(
    State(limiter): State<RateLimiter>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/health" {
        return next.run(request).await;
    }
    match limiter.take(peer.ip(), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.ceil().max(1.0) as u64;
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests from {}; retry in {seconds} s", peer.ip()),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_a_burst_and_refill() {
        let limiter = RateLimiter::new(3);
        let ip: IpAddr = [127, 0, 0, 1].into();
        let other: IpAddr = [127, 0, 0, 2].into();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take(ip, t0).is_ok());
        }
        let wait = limiter
            .take(ip, t0)
            .expect_err("fourth in the same instant");
        assert!((wait - 1.0 / 3.0).abs() < 1e-6, "{wait}");
        assert!(
            limiter.take(other, t0).is_ok(),
            "clients have their own buckets"
        );
        assert!(limiter.take(ip, t0 + Duration::from_millis(340)).is_ok());
        assert!(limiter.take(ip, t0 + Duration::from_millis(341)).is_err());
    }
}
