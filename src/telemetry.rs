//! Logs and traces.
//!
//! Logs: tracing with an `EnvFilter` (`RUST_LOG`, default `info`), as text
//! or as JSON lines. Every request runs inside a span that carries its
//! request id, so every line logged for it can be found by that id; each
//! GraphQL operation logs one line with its type, name, outcome and error
//! codes.
//!
//! Traces: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, spans are exported
//! over OTLP/HTTP (protobuf) by `opentelemetry-otlp`, batched off the
//! request path; the standard `OTEL_*` variables (service name, batch
//! delay, headers) apply. A request's W3C `traceparent` makes its spans
//! children of the caller's trace.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

/// Whether spans are exported: only then is `traceparent` read.
static TRACING: AtomicBool = AtomicBool::new(false);

/// Flushes the exporter when dropped (at the end of `serve`).
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("warning: traces not flushed: {err}");
        }
    }
}

pub fn init(format: LogFormat) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed(),
    };
    let provider = std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT")
        .filter(|endpoint| !endpoint.is_empty())
        .and_then(|_| match tracer_provider() {
            Ok(provider) => Some(provider),
            Err(err) => {
                eprintln!("warning: OpenTelemetry traces are off: {err}");
                None
            }
        });
    let traces = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("projects-api"))
    });
    // A second init (tests start many servers in one process) is a no-op.
    let initialized = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
    if initialized.is_ok() && provider.is_some() {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        TRACING.store(true, Ordering::Relaxed);
    }
    Telemetry { provider }
}

fn tracer_provider() -> Result<SdkTracerProvider, Box<dyn std::error::Error>> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "projects-api".into());
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build())
}

/// Makes `span` a child of the trace the request's `traceparent` names,
/// when traces are exported.
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if !TRACING.load(Ordering::Relaxed) {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    let _ = span.set_parent(parent);
}

/// Names an exported span once what it did is known (a GraphQL operation's
/// name is known only after its document has parsed).
pub fn rename(span: &tracing::Span, name: String) {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if TRACING.load(Ordering::Relaxed) {
        span.context().span().update_name(name);
    }
}
