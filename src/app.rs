//! The application: built from a configuration, bound to its listener, run until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError};
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
        let listener = TcpListener::bind(config.server.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.server.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.server.listen,
            source,
        })?;
        Ok(Self {
            listener,
            addr,
            router,
            sources,
            background,
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
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        for task in self.background.into_iter().chain(metrics) {
            task.abort();
        }
        result
    }
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
