//! The core's one multi-threaded tokio runtime (timers and network I/O), and cancellable work on it.
//!
//! Exported async functions spawn their work here and await a [`CancelOnDrop`] handle: when the
//! foreign side cancels (drops the future), the task is aborted. CPU-heavy work (Argon2) runs in
//! `spawn_blocking`; a blocking task that has already started runs to its end, but its result is
//! dropped. A panic inside the work is resumed in the awaiting future, where UniFFI turns it into
//! an exception.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use once_cell::sync::Lazy;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("corridor-core")
        .enable_time()
        .enable_io()
        .build()
        .expect("the operating system refused to start the core's threads")
});

pub fn handle() -> &'static tokio::runtime::Handle {
    RUNTIME.handle()
}

/// Runs CPU-heavy or blocking work on the runtime's blocking pool.
pub fn run_blocking<F, T>(work: F) -> CancelOnDrop<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    CancelOnDrop(RUNTIME.spawn_blocking(work))
}

/// Runs a future on the runtime.
pub fn spawn<F>(future: F) -> CancelOnDrop<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    CancelOnDrop(RUNTIME.spawn(future))
}

/// Drives a future to completion from synchronous code (the CLI). Never call it from inside the
/// runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

/// A task handle that aborts the task when dropped.
pub struct CancelOnDrop<T>(JoinHandle<T>);

impl<T> Future for CancelOnDrop<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.0).poll(context) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // Only this handle aborts the task, and it is not polled after that.
            Poll::Ready(Err(_cancelled)) => Poll::Pending,
        }
    }
}

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn dropping_the_handle_cancels_the_task() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let handle = spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            flag.store(true, Ordering::SeqCst);
        });
        drop(handle);
        std::thread::sleep(Duration::from_millis(600));
        assert!(
            !finished.load(Ordering::SeqCst),
            "the task ran although its handle was dropped"
        );
    }

    #[test]
    fn results_and_panics_come_back_to_the_caller() {
        assert_eq!(block_on(run_blocking(|| 6 * 7)), 42);
        let caught = std::panic::catch_unwind(|| block_on(run_blocking(|| -> u8 { panic!("inside") })));
        assert!(caught.is_err());
    }
}
