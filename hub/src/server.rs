//! Binding, the accept loop, background work and graceful shutdown.
//!
//! The hub runs its own small accept loop over hyper's HTTP/1 server rather than `axum::serve`,
//! which offers no header-read timeout: a client that trickles its headers is cut off after
//! [`HubConfig::header_read_timeout`]. Each connection's peer address is handed to the handlers
//! (as axum's `ConnectInfo`) for the rate limits only; it is never stored or logged.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tower::Service;

use crate::api::{self, unix_now, AppState, Shared, TimeLimits};
use crate::auth::random_bytes;
use crate::config::{HubConfig, Retention};
use crate::content::CONTENT_DIR;
use crate::error::HubError;
use crate::idempotency::InFlight;
use crate::limits::{GlobalBudget, LoginFailures, RateLimiter};
use crate::secrets::HubSecrets;
use crate::store::sqlite::SqliteStore;

/// How often acknowledged reports are purged and old keys and tokens removed (also at start).
const MAINTENANCE_EVERY: Duration = Duration::from_secs(3600);
/// How often full rate-limit buckets and old login failures are forgotten.
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);
/// Beyond the request timeout, how long shutdown waits for open requests to finish.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// A hub that is bound to its address and ready to serve.
pub struct RunningHub {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    state: AppState,
    config: HubConfig,
}

/// Creates the data directory, `hub.db`, `session-keys.json` and `content/` if missing, opens the database and binds
/// `config.addr` (port 0 picks a free port; see [`RunningHub::local_addr`]).
pub async fn bind(config: HubConfig) -> Result<RunningHub, HubError> {
    let data_dir = config.data_dir.clone();
    let new_session_keys = config.new_session_keys;
    let (store, secrets, content_root) = tokio::task::spawn_blocking(move || -> Result<_, HubError> {
        let store = SqliteStore::open(&data_dir)?;
        let secrets = match HubSecrets::load(&data_dir) {
            Err(HubError::NoSecrets) if store.holds_sessions()? && !new_session_keys => {
                return Err(HubError::SessionKeysMissing)
            }
            Err(HubError::NoSecrets) => HubSecrets::load_or_create(&data_dir)?,
            other => other?,
        };
        let content = data_dir.join(CONTENT_DIR);
        std::fs::create_dir_all(&content)?;
        let content_root = std::fs::canonicalize(&content)?;
        Ok((store, secrets, content_root))
    })
    .await
    .map_err(|_| HubError::Internal("opening the database panicked".into()))??;
    let listener = TcpListener::bind(config.addr).await.map_err(|error| HubError::Bind {
        addr: config.addr,
        reason: error.to_string(),
    })?;
    let local_addr = listener.local_addr()?;
    let password_lanes = std::thread::available_parallelism().map_or(1, |count| count.get().min(4));
    let state = Arc::new(Shared {
        store: Arc::new(store),
        secrets: Arc::new(secrets),
        in_flight: Arc::new(InFlight::default()),
        report_limiter: RateLimiter::new(config.report_rate_per_minute),
        login_limiter: RateLimiter::new(config.login_rate_per_minute),
        login_failures: Arc::new(LoginFailures::new(config.login_lock_base, &random_bytes::<32>()?)),
        login_budget: GlobalBudget::new(config.login_global_per_minute),
        password_work: Arc::new(tokio::sync::Semaphore::new(password_lanes)),
        content_root,
        retention: config.retention(),
        trust_forwarded_for: config.trust_forwarded_for,
    });
    let time_limits = TimeLimits {
        request: config.request_timeout,
        body_idle: config.body_idle_timeout,
    };
    let router = api::router(Arc::clone(&state), time_limits);
    tracing::info!("listening on {local_addr}");
    Ok(RunningHub {
        listener,
        local_addr,
        router,
        state,
        config,
    })
}

/// Binds and serves until `shutdown` resolves, then lets open requests finish.
pub async fn serve(config: HubConfig, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), HubError> {
    bind(config).await?.serve(shutdown).await
}

impl RunningHub {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` resolves; then stops accepting, lets the requests in progress
    /// finish (for at most the request timeout and a few seconds) and returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), HubError> {
        let RunningHub {
            listener,
            router,
            state,
            config,
            ..
        } = self;
        let background = tokio::spawn(background_work(state, config.retention()));
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        serve_connection(&router, stream, peer, &graceful, config.header_read_timeout);
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("accepting a connection failed: {}", error.kind());
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
        drop(listener);
        background.abort();
        let drain = config.request_timeout + DRAIN_GRACE;
        if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
            tracing::warn!("stopped with connections still open after {} s", drain.as_secs());
        }
        tracing::info!("stopped");
        Ok(())
    }
}

fn serve_connection(
    router: &Router,
    stream: TcpStream,
    peer: SocketAddr,
    graceful: &GracefulShutdown,
    header_read_timeout: Duration,
) {
    let _ = stream.set_nodelay(true);
    let router = router.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        // A router is always ready; `call` on a clone is how axum itself drives it.
        router.clone().call(request)
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        // A client that goes away mid-request is not the hub's failure: nothing to report.
        let _ = connection.await;
    });
}

async fn background_work(state: AppState, retention: Retention) {
    let mut maintenance = tokio::time::interval(MAINTENANCE_EVERY);
    maintenance.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut forget_idle = tokio::time::interval(FORGET_IDLE_EVERY);
    loop {
        tokio::select! {
            _ = maintenance.tick() => {
                let now = unix_now();
                match api::blocking(&state, move |store| store.maintenance(now, &retention)).await {
                    Ok(report) => tracing::info!(
                        "maintenance: purged {} reports, expired {} idempotency keys, removed {} revoked tokens",
                        report.purged_reports,
                        report.expired_idempotency_keys,
                        report.removed_tokens
                    ),
                    Err(_) => tracing::warn!("maintenance failed; it runs again in an hour"),
                }
            }
            _ = forget_idle.tick() => {
                state.report_limiter.forget_idle();
                state.login_limiter.forget_idle();
                state.login_failures.forget_idle();
            }
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
