//! Webhooks: what an endpoint may be, which events it may ask for, and the
//! addresses the server refuses to send to.
//!
//! A webhook URL is a request the server makes on someone's behalf, so it
//! is a server-side request forgery risk: unless private delivery is
//! allowed (`WEBHOOK_ALLOW_PRIVATE`), a URL naming a loopback, private,
//! link-local or otherwise non-public address is refused here, and a host
//! name is checked again at every delivery against every address it
//! resolves to (`webhooks::PublicOnly`), so that DNS cannot point it inward
//! later.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::text;
use super::{Code, Error};
use crate::field_path;

/// The event types a webhook may receive: every project event.
pub const EVENT_TYPES: [&str; 10] = [
    "project.created.v1",
    "project.updated.v1",
    "project.archived.v1",
    "project.restored.v1",
    "project.deleted.v1",
    "project.undeleted.v1",
    "project.purged.v1",
    "project.member_added.v1",
    "project.member_role_updated.v1",
    "project.member_removed.v1",
];

/// Webhooks one organization may have.
pub const MAX_WEBHOOKS: u64 = 20;
const MAX_URL_LEN: usize = 2048;
const MAX_DESCRIPTION_LEN: usize = 500;
/// Entries an `events` list may have (repeats included): room for every
/// type, and a bound on the errors one list can raise.
const MAX_EVENTS_LISTED: usize = 32;

/// A webhook as its organization's OWNERs and ADMINs see it (never its
/// secret, which is shown once, at creation).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not yet sent, being sent, or waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Succeeded,
    /// Given up: every attempt failed for the retry period, or the
    /// webhook was disabled.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Succeeded,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// One event's delivery to one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_response_code: Option<i32>,
    pub last_error: Option<String>,
    /// When the next attempt is due; `None` once it succeeded or failed.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A webhook's fields as a creation or a change gives them; `None` keeps
/// a change's field as it is (a creation needs `url` and `events`).
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// The input checked: every problem at once, or the fields to store (the
/// URL normalized, the events deduplicated in their listed order).
pub fn validate_webhook(
    mut input: WebhookInput,
    allow_private: bool,
) -> Result<WebhookInput, Vec<Error>> {
    let mut errors = Vec::new();
    if let Some(url) = &input.url {
        match check_url(url, allow_private) {
            Ok(normalized) => input.url = Some(normalized),
            Err(message) => errors.push(Error::input(
                Code::InvalidWebhookUrl,
                field_path!["url"],
                message,
            )),
        }
    }
    if let Some(events) = &mut input.events {
        if events.len() > MAX_EVENTS_LISTED {
            errors.push(Error::bad_input(
                field_path!["events"],
                format!("List at most {MAX_EVENTS_LISTED} event types."),
            ));
            events.clear();
        } else if events.is_empty() {
            errors.push(Error::bad_input(
                field_path!["events"],
                format!("List at least one event type: {}.", EVENT_TYPES.join(", ")),
            ));
        }
        for (index, event) in events.iter().enumerate() {
            if !EVENT_TYPES.contains(&event.as_str()) {
                errors.push(
                    Error::bad_input(
                        field_path!["events", index],
                        format!(
                            "'{}' is not an event type; the types are {}.",
                            text::excerpt(event, 64),
                            EVENT_TYPES.join(", ")
                        ),
                    )
                    .with_details(serde_json::json!({ "eventTypes": EVENT_TYPES })),
                );
            }
        }
        let mut seen = Vec::with_capacity(events.len());
        events.retain(|event| {
            let first = !seen.contains(event);
            seen.push(event.clone());
            first
        });
    }
    if let Some(description) = &input.description {
        if description.chars().count() > MAX_DESCRIPTION_LEN {
            errors.push(Error::input(
                Code::InvalidDescription,
                field_path!["description"],
                format!("The description must be at most {MAX_DESCRIPTION_LEN} characters long."),
            ));
        } else if text::has_control(description) {
            errors.push(Error::input(
                Code::InvalidDescription,
                field_path!["description"],
                "The description must not contain control characters other than tabs and line breaks.",
            ));
        }
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// The URL as it will be requested, or why it cannot be a webhook's.
pub fn check_url(raw: &str, allow_private: bool) -> Result<String, String> {
    if raw.len() > MAX_URL_LEN {
        return Err(format!(
            "The webhook URL must be at most {MAX_URL_LEN} characters long."
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err("The webhook URL must not contain control characters.".into());
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| {
        format!(
            "'{}' is not an absolute URL (like 'https://hooks.example.com/projects').",
            text::excerpt(raw, 64)
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("The webhook URL must be an http or https URL.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "The webhook URL must not carry credentials; verify deliveries by their signature."
                .into(),
        );
    }
    if !allow_private {
        let private = match url.host() {
            None => true,
            Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
            }
        };
        if private {
            return Err(
                "The webhook URL must name a public host: loopback, private and link-local addresses are refused."
                    .into(),
            );
        }
    }
    Ok(url.into())
}

/// Whether `ip` is an address on the public internet: not loopback,
/// private, link-local, carrier-grade NAT, unspecified, multicast,
/// broadcast, documentation, benchmarking or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 64:ff9b::/96 and the IPv4-compatible ::/96 reach IPv4
        // addresses this check would not see.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6] == [0; 6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_public_http_without_credentials() {
        let refused = [
            "ftp://example.com/",
            "https://user:pass@example.com/",
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://api.localhost/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a00:1]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://intranet/",
            "not a url",
        ];
        for url in refused {
            assert!(check_url(url, false).is_err(), "{url} was accepted");
        }
        for url in [
            "https://hooks.example.com/projects",
            "http://93.184.216.34/x",
            "https://[2606:4700::1111]/",
        ] {
            assert!(check_url(url, false).is_ok(), "{url} was refused");
        }
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/", true).is_err());
    }

    #[test]
    fn every_problem_is_reported_and_events_are_deduplicated() {
        let errors = validate_webhook(
            WebhookInput {
                url: Some("gopher://x".into()),
                events: Some(vec!["project.created.v1".into(), "nope".into()]),
                description: Some("a\u{1b}[31m".into()),
                enabled: None,
            },
            false,
        )
        .unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            codes,
            [
                "INVALID_WEBHOOK_URL",
                "BAD_USER_INPUT",
                "INVALID_DESCRIPTION"
            ]
        );
        let ok = validate_webhook(
            WebhookInput {
                url: Some("https://hooks.example.com".into()),
                events: Some(vec![
                    "project.created.v1".into(),
                    "project.created.v1".into(),
                ]),
                ..WebhookInput::default()
            },
            false,
        )
        .unwrap();
        assert_eq!(ok.events.unwrap(), ["project.created.v1"]);
        let flood = validate_webhook(
            WebhookInput {
                events: Some(vec!["nope".into(); 100_000]),
                ..WebhookInput::default()
            },
            false,
        )
        .unwrap_err();
        assert_eq!(flood.len(), 1, "{flood:?}");
        assert_eq!(ok.url.unwrap(), "https://hooks.example.com/");
    }

    #[test]
    fn delivery_statuses_read_back() {
        for status in [
            DeliveryStatus::Pending,
            DeliveryStatus::Succeeded,
            DeliveryStatus::Failed,
        ] {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
    }
}
