//! Logs and traces: text or JSON logs, and OpenTelemetry traces exported over OTLP/HTTP (off by
//! default) with the W3C trace context (`traceparent`) taken from incoming requests and passed on to
//! upstreams. Spans: one per GraphQL request, per batch load, per upstream call.

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use serde::Deserialize;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// `[telemetry]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// `text` (default) or `json` (one JSON object per line, for log collectors).
    pub log_format: LogFormat,
    /// Where to send traces over OTLP/HTTP, e.g. `http://127.0.0.1:4318` (`/v1/traces` is added when
    /// the URL has no path). Default: none, tracing off.
    pub otlp_endpoint: Option<String>,
    /// `http/protobuf` (default) or `http/json`.
    pub otlp_protocol: OtlpProtocol,
    /// `service.name` of the traces. Default `passerelle`.
    pub service_name: String,
    /// Share of new traces kept, 0 to 1; a request with a sampled `traceparent` is always kept. Default 1.
    pub sample_ratio: f64,
    /// Continues the trace of an incoming `traceparent` (default `true`). `false` for a public API:
    /// every request then starts its own trace, sampled by `sample_ratio` alone, and no caller's
    /// trace id goes on to the upstreams.
    pub follow_traceparent: bool,
}

/// `[telemetry] follow_traceparent`, set once by [`init`].
static FOLLOW_TRACEPARENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

impl std::fmt::Debug for TelemetryConfig {
    /// The endpoint without credentials (`https://user:token@…` stays out of `check-config` and logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryConfig")
            .field("log_format", &self.log_format)
            .field(
                "otlp_endpoint",
                &self
                    .otlp_endpoint
                    .as_deref()
                    .map(passerelle_core::error::redact_url),
            )
            .field("otlp_protocol", &self.otlp_protocol)
            .field("service_name", &self.service_name)
            .field("sample_ratio", &self.sample_ratio)
            .field("follow_traceparent", &self.follow_traceparent)
            .finish()
    }
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Text,
            otlp_endpoint: None,
            otlp_protocol: OtlpProtocol::Protobuf,
            service_name: "passerelle".into(),
            sample_ratio: 1.0,
            follow_traceparent: true,
        }
    }
}

/// The log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum LogFormat {
    /// Human-readable lines.
    #[serde(rename = "text")]
    Text,
    /// One JSON object per line.
    #[serde(rename = "json")]
    Json,
}

/// The OTLP/HTTP encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum OtlpProtocol {
    /// Protocol buffers (`application/x-protobuf`).
    #[serde(rename = "http/protobuf")]
    Protobuf,
    /// JSON (`application/json`).
    #[serde(rename = "http/json")]
    Json,
}

impl TelemetryConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.sample_ratio) {
            return Err(format!(
                "telemetry.sample_ratio = {} : une valeur entre 0 et 1 est attendue",
                self.sample_ratio
            ));
        }
        if let Some(url) = &self.otlp_endpoint
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!(
                "telemetry.otlp_endpoint = « {url} » : une URL http:// ou https:// est attendue"
            ));
        }
        Ok(())
    }

    /// The OTLP traces URL: the endpoint, with `/v1/traces` when it has no path.
    pub fn traces_url(&self) -> Option<String> {
        let url = self.otlp_endpoint.as_deref()?.trim_end_matches('/');
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        Some(if after_scheme.contains('/') {
            url.to_owned()
        } else {
            format!("{url}/v1/traces")
        })
    }
}

/// Keeps the trace exporter alive; flushes the spans still buffered when dropped.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

/// Installs the global subscriber: the log filter (`RUST_LOG`, default `info`), the log format, and
/// the OTLP exporter when configured. Logs go to stderr when `to_stderr` (an export writes on stdout).
pub fn init(config: &TelemetryConfig, to_stderr: bool) -> anyhow::Result<Telemetry> {
    FOLLOW_TRACEPARENT.store(
        config.follow_traceparent,
        std::sync::atomic::Ordering::Relaxed,
    );
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=info".into());
    let terminal = if to_stderr {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    } else {
        std::io::IsTerminal::is_terminal(&std::io::stdout())
    };
    let writer = move || -> Box<dyn std::io::Write> {
        if to_stderr {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        }
    };
    let logs: Box<dyn Layer<Registry> + Send + Sync> = match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(terminal)
            .with_writer(writer)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
    };
    let mut telemetry = Telemetry::default();
    let traces = match config.traces_url() {
        None => None,
        Some(url) => {
            use opentelemetry_otlp::{Protocol, WithExportConfig as _};
            let protocol = match config.otlp_protocol {
                OtlpProtocol::Protobuf => Protocol::HttpBinary,
                OtlpProtocol::Json => Protocol::HttpJson,
            };
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(protocol)
                .with_endpoint(&url)
                .build()
                .context("exportateur OTLP")?;
            let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_sampler(opentelemetry_sdk::trace::Sampler::ParentBased(Box::new(
                    opentelemetry_sdk::trace::Sampler::TraceIdRatioBased(config.sample_ratio),
                )))
                .with_resource(
                    opentelemetry_sdk::Resource::builder()
                        .with_service_name(config.service_name.clone())
                        .build(),
                )
                .build();
            let tracer = provider.tracer("passerelle");
            opentelemetry::global::set_text_map_propagator(
                opentelemetry_sdk::propagation::TraceContextPropagator::new(),
            );
            opentelemetry::global::set_tracer_provider(provider.clone());
            telemetry.provider = Some(provider);
            // passerelle's own spans only (not those of hyper or of the exporter's HTTP client), whatever
            // `RUST_LOG` says for the logs.
            let ours = tracing_subscriber::filter::filter_fn(|meta| {
                meta.is_span()
                    && meta.target().starts_with("passerelle")
                    && *meta.level() <= tracing::Level::INFO
            });
            Some(
                tracing_opentelemetry::layer()
                    .with_tracer(tracer)
                    .with_filter(ours),
            )
        }
    };
    Registry::default()
        .with(logs.with_filter(filter))
        .with(traces)
        .try_init()
        .context("journalisation")?;
    if let Some(url) = config.traces_url() {
        tracing::info!(
            "traces OpenTelemetry exportées vers {} ({:?})",
            passerelle_core::error::redact_url(&url),
            config.otlp_protocol
        );
    }
    Ok(telemetry)
}

/// The span of one GraphQL request over HTTP, child of the caller's `traceparent` when it has one
/// (and `follow_traceparent` is on).
pub fn request_span(headers: &axum::http::HeaderMap, operation: Option<&str>) -> tracing::Span {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    struct Extract<'a>(&'a axum::http::HeaderMap);
    impl opentelemetry::propagation::Extractor for Extract<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    let span = tracing::info_span!(
        "requête GraphQL",
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        graphql.operation.name = operation.unwrap_or(""),
    );
    if FOLLOW_TRACEPARENT.load(std::sync::atomic::Ordering::Relaxed) {
        let parent =
            opentelemetry::global::get_text_map_propagator(|p| p.extract(&Extract(headers)));
        let _ = span.set_parent(parent);
    }
    span
}
