//! The time limits of a request once its headers are in: the hub's own work on it is bounded
//! (`request_timeout`), and so is a body that stops arriving (`body_idle_timeout`), but a body that
//! keeps arriving, however slowly, is not cut off: a 16 MiB backup over a poor mobile link may
//! take many minutes.
//!
//! The request's body is wrapped so that it records how long the handler waited for it and when
//! it last made progress: at least [`PROGRESS_BYTES`] arriving, or its end. The time limit counts
//! the time outside those waits against `request_timeout`, and a wait that has gone on for
//! `body_idle_timeout` since the last progress ends the request. Either way the answer is 408.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use corridor_core::sync::wire::codes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::Notify;

use crate::error::ApiError;

/// The body bytes that count as progress. Less than this per idle period (a trickle meant to
/// hold the connection) ends the request just like silence.
pub(crate) const PROGRESS_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeLimits {
    /// The hub's own time on a request, not counting waits for its body.
    pub request: Duration,
    /// The longest wait for a body without progress.
    pub body_idle: Duration,
}

#[derive(Default)]
struct Progress {
    state: Mutex<ProgressState>,
    /// Signalled when the handler starts waiting for the body, so the time limit can arm the
    /// idle deadline.
    started_waiting: Notify,
}

#[derive(Default)]
struct ProgressState {
    /// The waits for the body that have ended, together.
    waited: Duration,
    /// When the current wait for the body began, if the handler is waiting now.
    waiting_since: Option<Instant>,
    /// The body's last progress; the first time the handler asked for the body before that.
    last_progress: Option<Instant>,
    /// Body bytes since `last_progress`.
    bytes_since_progress: usize,
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    TimedOut,
    CheckAgainAt(Instant),
}

impl Progress {
    fn state(&self) -> MutexGuard<'_, ProgressState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn verdict(&self, started: Instant, now: Instant, limits: TimeLimits) -> Verdict {
        let state = self.state();
        let current_wait = state
            .waiting_since
            .map_or(Duration::ZERO, |since| now.saturating_duration_since(since));
        let working = now
            .saturating_duration_since(started)
            .saturating_sub(state.waited + current_wait);
        let Some(work_left) = limits.request.checked_sub(working).filter(|left| !left.is_zero()) else {
            return Verdict::TimedOut;
        };
        // While the handler works, its time runs out at the earliest `work_left` from now; while
        // it waits for the body, the body's idle deadline may come first.
        let mut check_at = now + work_left;
        if state.waiting_since.is_some() {
            let idle_deadline = state.last_progress.unwrap_or(now) + limits.body_idle;
            if idle_deadline <= now {
                return Verdict::TimedOut;
            }
            check_at = check_at.min(idle_deadline);
        }
        Verdict::CheckAgainAt(check_at)
    }
}

/// A request body that reports its progress to the time limit.
struct ProgressBody {
    inner: Body,
    progress: Arc<Progress>,
}

impl HttpBody for ProgressBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let now = Instant::now();
        let mut state = self.progress.state();
        state.last_progress.get_or_insert(now);
        match &polled {
            Poll::Pending => {
                if state.waiting_since.is_none() {
                    state.waiting_since = Some(now);
                    drop(state);
                    self.progress.started_waiting.notify_one();
                }
            }
            Poll::Ready(frame) => {
                if let Some(since) = state.waiting_since.take() {
                    state.waited += now.saturating_duration_since(since);
                }
                match frame {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            state.bytes_since_progress += data.len();
                            if state.bytes_since_progress >= PROGRESS_BYTES {
                                state.bytes_since_progress = 0;
                                state.last_progress = Some(now);
                            }
                        }
                    }
                    None => state.last_progress = Some(now),
                    Some(Err(_)) => {}
                }
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ProgressBody {
    fn drop(&mut self) {
        // A body dropped mid-wait (the handler gave up on it) is no longer waited for.
        let mut state = self.progress.state();
        if let Some(since) = state.waiting_since.take() {
            state.waited += Instant::now().saturating_duration_since(since);
        }
    }
}

fn timeout_response() -> Response {
    let mut response = ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        codes::TIMEOUT,
        "the request took too long or its body stopped arriving; try again",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The middleware: runs the handler under [`TimeLimits`], answering 408 when either runs out.
pub(crate) async fn time_limit(State(limits): State<TimeLimits>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let progress = Arc::new(Progress::default());
    let request = request.map(|inner| {
        Body::new(ProgressBody {
            inner,
            progress: Arc::clone(&progress),
        })
    });
    let mut handler = std::pin::pin!(next.run(request));
    loop {
        let check_at = match progress.verdict(started, Instant::now(), limits) {
            Verdict::TimedOut => return timeout_response(),
            Verdict::CheckAgainAt(at) => at,
        };
        tokio::select! {
            response = &mut handler => return response,
            () = tokio::time::sleep_until(check_at.into()) => {}
            () = progress.started_waiting.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: TimeLimits = TimeLimits {
        request: Duration::from_secs(30),
        body_idle: Duration::from_secs(10),
    };

    fn at(start: Instant, secs: u64) -> Instant {
        start + Duration::from_secs(secs)
    }

    #[test]
    fn waits_for_the_body_do_not_count_as_work() {
        let progress = Progress::default();
        let start = Instant::now();
        {
            let mut state = progress.state();
            state.waited = Duration::from_secs(100);
            state.last_progress = Some(at(start, 100));
        }
        assert_eq!(
            progress.verdict(start, at(start, 120), LIMITS),
            Verdict::CheckAgainAt(at(start, 130))
        );
        assert_eq!(progress.verdict(start, at(start, 130), LIMITS), Verdict::TimedOut);
    }

    #[test]
    fn a_wait_without_progress_ends_at_the_idle_limit() {
        let progress = Progress::default();
        let start = Instant::now();
        {
            let mut state = progress.state();
            state.waiting_since = Some(at(start, 1));
            state.last_progress = Some(at(start, 1));
        }
        assert_eq!(
            progress.verdict(start, at(start, 5), LIMITS),
            Verdict::CheckAgainAt(at(start, 11))
        );
        assert_eq!(progress.verdict(start, at(start, 11), LIMITS), Verdict::TimedOut);
        // Work alone runs out at the request limit.
        let progress = Progress::default();
        assert_eq!(
            progress.verdict(start, at(start, 29), LIMITS),
            Verdict::CheckAgainAt(at(start, 30))
        );
        assert_eq!(progress.verdict(start, at(start, 30), LIMITS), Verdict::TimedOut);
    }
}
