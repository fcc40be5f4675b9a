//! The webhook delivery worker, one per process: fans new project events
//! out into deliveries, claims the due ones and sends them, signed the
//! Standard Webhooks way, and records each outcome (see `store::webhooks`
//! for how processes share the work without sending one delivery twice at
//! once).
//!
//! Every attempt is bounded: `WEBHOOK_TIMEOUT` for the whole exchange, at
//! most [`MAX_RESPONSE_BYTES`] of the answer read, no redirects followed
//! (a redirect is a failed attempt), and no address outside the public
//! internet reached unless `WEBHOOK_ALLOW_PRIVATE` (the URL's literal
//! address is checked, and every address a host name resolves to).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::domain;
use crate::hub::EventHub;
use crate::store::{AttemptOutcome, ClaimedDelivery, RetryPolicy, Store};

/// How long the worker lets wake-ups gather before a pass.
const COALESCE: Duration = Duration::from_millis(20);

/// The most of a receiver's answer read; the rest is not waited for.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// How the worker sends.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// Whether this process sends deliveries at all.
    pub deliver: bool,
    /// Whether loopback, private and link-local addresses may be sent to.
    pub allow_private: bool,
    /// The longest one attempt may take, answer included.
    pub timeout: Duration,
    /// How often to look for due retries when nothing wakes the worker.
    pub poll: Duration,
    /// Attempts in flight at once, per process.
    pub concurrency: usize,
    pub retry: RetryPolicy,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            deliver: true,
            allow_private: false,
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            concurrency: 32,
            retry: RetryPolicy::default(),
        }
    }
}

impl WebhookOptions {
    /// How long a claimed delivery is left to its worker: two attempts'
    /// time and a second, so that it has finished (or died) before another
    /// worker may take the delivery.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

/// Makes ring the process's TLS crypto provider. Every HTTP client the
/// server builds (webhook deliveries, the OTLP exporter) is reqwest over
/// rustls without a provider of its own, so that only ring (which the
/// database driver already uses) is compiled in; call this before building
/// one. Calling it again does nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A DNS resolver that hands out only public addresses.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| domain::is_public(address.ip()))
                .collect();
            if addresses.is_empty() {
                return Err(format!(
                    "'{host}' resolves to no public address; private addresses are refused"
                )
                .into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Sends deliveries; cheap to clone.
#[derive(Clone)]
pub struct WebhookWorker {
    store: Store,
    options: WebhookOptions,
    client: reqwest::Client,
}

impl WebhookWorker {
    pub fn new(store: Store, options: WebhookOptions) -> Result<WebhookWorker, reqwest::Error> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("projects-api-webhooks/", env!("CARGO_PKG_VERSION")));
        if !options.allow_private {
            builder = builder.dns_resolver(PublicOnly);
        }
        Ok(WebhookWorker {
            store,
            options,
            client: builder.build()?,
        })
    }

    /// Runs until the process ends.
    pub async fn run(self, hub: EventHub) {
        let mut wakes = hub.subscribe();
        let in_flight = Arc::new(Semaphore::new(self.options.concurrency.max(1)));
        loop {
            let mut busy = false;
            if let Err(err) = self
                .store
                .fan_out_webhook_events(self.options.retry.period)
                .await
            {
                tracing::warn!(error = %err, "cannot fan out webhook events");
            }
            let free = in_flight.available_permits();
            if free > 0 {
                match self
                    .store
                    .claim_webhook_deliveries(self.options.lease(), free as u32)
                    .await
                {
                    Ok(claimed) => {
                        busy = claimed.len() == free;
                        for claim in claimed {
                            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                                return;
                            };
                            let worker = self.clone();
                            tokio::spawn(async move {
                                worker.attempt(claim).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(err) => tracing::warn!(error = %err, "cannot claim webhook deliveries"),
                }
            }
            if busy {
                continue;
            }
            tokio::select! {
                woken = wakes.recv() => {
                    if matches!(woken, Err(RecvError::Closed)) {
                        tokio::time::sleep(self.options.poll).await;
                        continue;
                    }
                    // Under a burst of events, one pass serves them all:
                    // let more arrive, then drop the wake-ups queued.
                    tokio::time::sleep(COALESCE).await;
                    while matches!(wakes.try_recv(), Ok(_) | Err(TryRecvError::Lagged(_))) {}
                }
                () = tokio::time::sleep(self.options.poll) => {}
            }
        }
    }

    async fn attempt(&self, claim: ClaimedDelivery) {
        let outcome = self.send(&claim).await;
        tracing::debug!(
            delivery = %claim.id,
            attempt = claim.attempt,
            code = ?outcome.response_code,
            error = ?outcome.error,
            "webhook attempt"
        );
        if let Err(err) = self
            .store
            .record_webhook_attempt(&claim, &outcome, &self.options.retry)
            .await
        {
            // The lease runs out and the delivery is tried again.
            tracing::warn!(delivery = %claim.id, error = %err, "cannot record a webhook attempt");
        }
    }

    /// One attempt: the signed POST, and how it went.
    pub async fn send(&self, claim: &ClaimedDelivery) -> AttemptOutcome {
        let failed = |error: String| AttemptOutcome {
            response_code: None,
            error: Some(error),
        };
        if let Err(message) = domain::check_url(&claim.url, self.options.allow_private) {
            return failed(message);
        }
        let signed = standardwebhooks::Webhook::new(&claim.secret).and_then(|signer| {
            let timestamp = chrono::Utc::now().timestamp();
            let id = claim.id.to_string();
            let signature = signer.sign(&id, timestamp, claim.body.as_bytes())?;
            Ok((id, timestamp, signature))
        });
        let Ok((id, timestamp, signature)) = signed else {
            tracing::error!(delivery = %claim.id, "a webhook secret cannot sign");
            return failed("The delivery could not be signed.".into());
        };
        let request = self
            .client
            .post(&claim.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(claim.body.clone());
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(err) => return failed(describe(&err, self.options.timeout)),
        };
        let code = response.status().as_u16();
        // Read a bounded part of the answer, so that the connection can be
        // reused; a bigger or slower one is cut off.
        let mut read = 0;
        while read < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        AttemptOutcome {
            response_code: Some(code),
            error: (!(200..300).contains(&code))
                .then(|| format!("The endpoint answered {code}; a 2xx status is expected.")),
        }
    }
}

/// What went wrong with a request, for the webhook's managers: the
/// innermost cause (the URL is theirs, nothing of ours is in it).
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("No answer within {}.", humantime::format_duration(timeout));
    }
    let mut cause: &dyn std::error::Error = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let what = if err.is_connect() {
        "Cannot connect"
    } else {
        "The request failed"
    };
    domain::excerpt(&format!("{what}: {cause}."), 300)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    #[tokio::test]
    async fn the_resolver_hands_out_no_private_address() {
        let refused = PublicOnly
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost is refused");
        assert!(
            refused.to_string().contains("no public address"),
            "{refused}"
        );
    }

    #[test]
    fn a_lease_outlasts_two_attempts() {
        let options = WebhookOptions::default();
        assert!(options.lease() > options.timeout * 2);
    }
}
