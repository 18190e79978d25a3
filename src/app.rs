//! The application: built from a configuration, bound to its listener, run until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError, Scheduling};
use crate::graphql;
use crate::http;
use crate::sources::Sources;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration does not fit.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listener could not be bound.
    #[error("impossible d'écouter sur {addr} : {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// A built application: sources loading in the background, listener bound.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    sources: Arc<Sources>,
    background: Vec<JoinHandle<()>>,
    /// `None`: the shared work-stealing pool; `Some(n)`: `n` serving threads, one runtime each.
    per_core: Option<usize>,
    /// `/metrics` on its own address.
    metrics: Option<(TcpListener, SocketAddr, axum::Router)>,
}

impl Application {
    /// Builds the sources, starts their loading and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let sources = Arc::new(Sources::build(&config)?);
        let background = sources.spawn_loading(&config);
        let schema = graphql::build_schema_with(Arc::clone(&sources), &config.security);
        let exporter =
            crate::export::Exporter::new(schema.clone(), Arc::clone(&sources), config.export);
        let state = http::AppState::new(http::Shared {
            schema,
            exporter,
            sources: Arc::clone(&sources),
            playground: config.server.playground,
            admin_token: config.server.admin_token.clone(),
            cors_origins: config.security.cors_origins.clone(),
            limiter: http::partners::RateLimiter::new(
                &config.partners,
                config.rate_limit,
                sources.shared_cache().cloned(),
            )
            .map_err(|reason| ConfigError::Invalid {
                key: "partners".into(),
                reason,
            })?,
            persisted: http::persisted::Persisted::new(&config.persisted).map_err(|reason| {
                ConfigError::Invalid {
                    key: "persisted.trusted_documents".into(),
                    reason,
                }
            })?,
            metrics_here: config.metrics.enabled && config.metrics.listen.is_none(),
        });
        let metrics = match config.metrics.listen {
            Some(addr) if config.metrics.enabled => {
                let bind = |source| StartError::Bind { addr, source };
                let listener = TcpListener::bind(addr).await.map_err(bind)?;
                let bound = listener.local_addr().map_err(bind)?;
                Some((listener, bound, http::metrics_router(state.clone())))
            }
            _ => None,
        };
        let router = http::router(state);
        let per_core = match config.server.scheduling {
            Scheduling::Shared => None,
            Scheduling::PerCore => Some(config.server.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            })),
        };
        let bind = |source| StartError::Bind {
            addr: config.server.listen,
            source,
        };
        let listener = listen(config.server.listen, per_core.is_some()).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        Ok(Self {
            listener,
            addr,
            router,
            sources,
            background,
            per_core,
            metrics,
        })
    }

    /// The address of `/metrics` when it has its own (`[metrics] listen`).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr, _)| *addr)
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sources (for readiness checks and tests).
    pub fn sources(&self) -> Arc<Sources> {
        Arc::clone(&self.sources)
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.addr, "passerelle à l'écoute");
        let metrics = self.metrics.map(|(listener, addr, router)| {
            tracing::info!(addr = %addr, "métriques Prometheus sur /metrics");
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::error!("serveur des métriques arrêté : {e}");
                }
            })
        });
        let result = match self.per_core {
            None => serve(self.listener, self.router, shutdown).await,
            Some(threads) => serve_per_core(self.listener, self.router, threads, shutdown).await,
        };
        for task in self.background.into_iter().chain(metrics) {
            task.abort();
        }
        result
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests finish.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves on `threads` threads, each with its own single-threaded runtime and its own socket on the
/// port: the thread that accepts a connection serves its requests to the end, and what a request
/// starts (batch loads, upstream connections) runs on that thread too, so that no request waits for a
/// hand-off to another thread. When `shutdown` completes (or this future is dropped), every thread
/// stops accepting and finishes its requests in flight; the first error of a thread is returned.
async fn serve_per_core(
    listener: TcpListener,
    router: axum::Router,
    threads: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // One socket per thread on the same port (`SO_REUSEPORT`): the kernel spreads the new connections
    // over them. (One socket shared by all the threads would let the first thread awake take every
    // connection of a burst.)
    let addr = listener.local_addr()?;
    let mut listeners = vec![listener.into_std()?];
    for _ in 1..threads {
        listeners.push(listen(addr, true)?.into_std()?);
    }
    let (stop, stopped) = tokio::sync::watch::channel(());
    let mut ends = tokio::task::JoinSet::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let router = router.clone();
        let mut stopped = stopped.clone();
        let thread = std::thread::Builder::new()
            .name(format!("passerelle-{i}"))
            .spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
                    .block_on(async move {
                        serve(TcpListener::from_std(listener)?, router, async move {
                            // A value sent or the sender dropped: either way, stop.
                            let _ = stopped.changed().await;
                        })
                        .await
                    })
            })?;
        // Joined, not only heard from: once this returns, the thread is gone.
        ends.spawn_blocking(move || {
            thread.join().unwrap_or_else(|_| {
                Err(std::io::Error::other(format!(
                    "le fil de service passerelle-{i} s'est arrêté sur une panique"
                )))
            })
        });
    }
    // Until the signal, or until a thread stops by itself (an error): then all stop.
    let early = tokio::select! {
        () = shutdown => None,
        Some(end) = ends.join_next() => Some(end),
    };
    drop(stop);
    let mut all = Vec::from_iter(early);
    while let Some(end) = ends.join_next().await {
        all.push(end);
    }
    all.into_iter()
        .find_map(|end| end.map_err(std::io::Error::other).and_then(|r| r).err())
        .map_or(Ok(()), Err)
}

/// A listening socket on `addr` (backlog 1024, as `TcpListener::bind`); with `reuse_port`, other
/// sockets of this user may listen on the same port (the serving threads of `per-core`).
fn listen(addr: SocketAddr, reuse_port: bool) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    if reuse_port {
        socket.set_reuseport(true)?;
    }
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("arrêt demandé : fin des requêtes en cours");
}
