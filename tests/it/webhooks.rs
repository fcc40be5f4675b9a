//! Webhooks: every event a webhook asked for reaches its receiver, signed
//! the Standard Webhooks way, at least once, whatever fails on the way:
//! a receiver that errors, a retry period that runs out, a server process
//! killed in the middle of its deliveries.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    AppOptions, TestApp, TestUser, error_codes, error_fields, project, spawn_app, spawn_app_with,
    spawn_binary, test_webhooks,
};

/// What a receiver got: one request's headers and body.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Statuses to answer, in order; 200 once they are used up.
    script: Vec<u16>,
    /// While set, requests are counted and then left unanswered.
    hold: bool,
}

/// A webhook endpoint on 127.0.0.1 that records what it gets.
#[derive(Clone)]
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    async fn start(script: Vec<u16>) -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState {
            script,
            ..ReceiverState::default()
        }));
        let shared = state.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move {
                    let (status, hold) = {
                        let mut state = state.lock().unwrap();
                        state.received.push(Received { headers, body });
                        let status = if state.script.is_empty() {
                            200
                        } else {
                            state.script.remove(0)
                        };
                        (status, state.hold)
                    };
                    if hold {
                        std::future::pending::<()>().await;
                    }
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, state }
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    fn set_hold(&self, hold: bool) {
        self.state.lock().unwrap().hold = hold;
    }

    /// Waits until the receiver has got `n` requests; panics after `within`.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                start.elapsed() < within,
                "{} requests after {within:?}, {n} expected",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

const CREATE_WEBHOOK: &str = "mutation($i: CreateWebhookInput!) {
  createWebhook(input: $i) { secret webhook { id url events description enabled } } }";

const DELIVERIES: &str = "query($o: String!) { organization(slug: $o) { webhooks {
  id enabled disabledReason failingSince
  deliveries(first: 50) { nodes { id eventId eventType status attempts lastResponseCode lastError nextAttemptAt deliveredAt } }
} } }";

async fn call(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    app.graphql(Some(&user.token), query, variables).await.1
}

/// Creates a webhook of `user`'s organization to `url`; returns its id and
/// secret.
async fn create_webhook(
    app: &TestApp,
    user: &TestUser,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let body = call(
        app,
        user,
        CREATE_WEBHOOK,
        json!({ "i": { "organizationId": user.organization_global_id(), "url": url, "events": events } }),
    )
    .await;
    let created = &body["data"]["createWebhook"];
    assert!(body.get("errors").is_none(), "{body}");
    (
        created["webhook"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// The webhook of `user`'s organization (there is one), with its
/// deliveries.
async fn webhook_state(app: &TestApp, user: &TestUser) -> Value {
    let body = call(
        app,
        user,
        DELIVERIES,
        json!({ "o": user.organization_slug }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["organization"]["webhooks"][0].clone()
}

/// Waits until every delivery of the webhook satisfies `done`.
async fn wait_for_deliveries(
    app: &TestApp,
    user: &TestUser,
    n: usize,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let webhook = webhook_state(app, user).await;
        let deliveries = webhook["deliveries"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("deliveries: {webhook}"))
            .clone();
        if deliveries.len() == n && deliveries.iter().all(&done) {
            return deliveries;
        }
        assert!(
            start.elapsed() < within,
            "deliveries after {within:?}: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn verify(received: &Received, secret: &str) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&received.body, &received.headers)
        .unwrap_or_else(|err| panic!("the signature does not verify: {err:?}"));
}

#[tokio::test]
async fn a_receiver_gets_each_event_it_asked_for_once_with_a_valid_signature() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let receiver = Receiver::start(Vec::new()).await;
    let (webhook_id, secret) = create_webhook(
        &app,
        &ada,
        &receiver.url,
        &["project.created.v1", "project.updated.v1"],
    )
    .await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let mut projects = Vec::new();
    for name in ["One", "Two", "Three"] {
        let body = app.create_project(&ada, json!({ "name": name })).await;
        projects.push(project(&body).clone());
    }
    // A refused create and a change of a type not asked for send nothing.
    let refused = app.create_project(&ada, json!({ "name": "" })).await;
    assert_eq!(error_codes(&refused), ["INVALID_NAME"]);
    let archived = call(
        &app,
        &ada,
        "mutation($id: ID!) { archiveProject(id: $id) { project { status } } }",
        json!({ "id": projects[2]["id"] }),
    )
    .await;
    assert_eq!(
        archived["data"]["archiveProject"]["project"]["status"],
        "ARCHIVED"
    );
    let updated = call(
        &app,
        &ada,
        "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { name } } }",
        json!({ "i": { "id": projects[0]["id"], "patch": { "name": "One!" } } }),
    )
    .await;
    assert!(updated.get("errors").is_none(), "{updated}");

    let received = receiver.wait_for(4, Duration::from_secs(10)).await;
    let deliveries = wait_for_deliveries(&app, &ada, 4, Duration::from_secs(10), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;
    // Nothing more comes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), 4, "{received_now:#?}");
    let mut kinds = Vec::new();
    for message in &received {
        verify(message, &secret);
        assert_eq!(message.headers["content-type"], "application/json");
        let body = message.json();
        kinds.push(body["type"].as_str().unwrap().to_owned());
        assert_eq!(body["data"]["organizationId"], json!(ada.organization_id));
        // The id is the delivery's, shown in `deliveries`.
        let delivery = deliveries
            .iter()
            .find(|d| d["id"] == format!("WebhookDelivery:{}", message.id()))
            .unwrap_or_else(|| panic!("no delivery {}", message.id()));
        assert_eq!(
            delivery["eventId"],
            format!("ProjectEvent:{}", body["data"]["id"].as_str().unwrap())
        );
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["lastResponseCode"], 200);
        assert_eq!(delivery["nextAttemptAt"], Value::Null);
    }
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "project.created.v1",
            "project.created.v1",
            "project.created.v1",
            "project.updated.v1"
        ]
    );
    // A tampered body does not verify.
    let mut forged = received[0].clone();
    forged.body = Bytes::from(received[0].body.iter().rev().copied().collect::<Vec<u8>>());
    assert!(
        standardwebhooks::Webhook::new(&secret)
            .unwrap()
            .verify(&forged.body, &forged.headers)
            .is_err()
    );
    assert!(webhook_id.starts_with("Webhook:"), "{webhook_id}");
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let receiver = Receiver::start(vec![500, 503, 404]).await;
    let (_, secret) = create_webhook(&app, &ada, &receiver.url, &["project.created.v1"]).await;
    app.create_project(&ada, json!({ "name": "Docs" })).await;
    let received = receiver.wait_for(4, Duration::from_secs(15)).await;
    let deliveries = wait_for_deliveries(&app, &ada, 1, Duration::from_secs(10), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;
    assert_eq!(deliveries[0]["attempts"], 4, "{deliveries:#?}");
    assert_eq!(deliveries[0]["lastResponseCode"], 200);
    assert_eq!(deliveries[0]["lastError"], Value::Null);
    // Every attempt is the same message, signed anew.
    assert_eq!(received.len(), 4);
    for attempt in &received {
        verify(attempt, &secret);
        assert_eq!(attempt.id(), received[0].id());
        assert_eq!(attempt.body, received[0].body);
    }
    // The waits grew: 200 ms, then about 400, then about 800 (jitter takes
    // up to a quarter off).
    let webhook = webhook_state(&app, &ada).await;
    assert_eq!(webhook["failingSince"], Value::Null, "{webhook}");
}

#[tokio::test]
async fn a_delivery_past_its_retry_period_fails_and_can_be_sent_again() {
    let app = spawn_app_with(AppOptions {
        webhooks: projects_api::webhooks::WebhookOptions {
            retry: projects_api::store::RetryPolicy {
                base: Duration::from_millis(100),
                period: Duration::from_millis(600),
                disable_after: Duration::from_secs(3600),
                ..Default::default()
            },
            ..test_webhooks()
        },
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let receiver = Receiver::start(vec![500; 1000]).await;
    create_webhook(&app, &ada, &receiver.url, &["project.created.v1"]).await;
    app.create_project(&ada, json!({ "name": "Docs" })).await;
    let failed = wait_for_deliveries(&app, &ada, 1, Duration::from_secs(10), |d| {
        d["status"] == "FAILED"
    })
    .await;
    assert_eq!(failed[0]["lastResponseCode"], 500);
    assert!(failed[0]["lastError"].as_str().unwrap().contains("500"));
    assert_eq!(failed[0]["nextAttemptAt"], Value::Null);
    let attempts = failed[0]["attempts"].as_i64().unwrap();
    assert!(attempts >= 2, "{failed:#?}");
    let webhook = webhook_state(&app, &ada).await;
    assert!(webhook["failingSince"].is_string(), "{webhook}");

    // Fixed, and sent again by hand: same id, delivered.
    receiver.state.lock().unwrap().script.clear();
    let before = receiver.received().len();
    let body = call(
        &app,
        &ada,
        "mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { delivery { status } } }",
        json!({ "id": failed[0]["id"] }),
    )
    .await;
    assert_eq!(
        body["data"]["redeliverWebhookDelivery"]["delivery"]["status"], "PENDING",
        "{body}"
    );
    let received = receiver.wait_for(before + 1, Duration::from_secs(10)).await;
    assert_eq!(
        format!("WebhookDelivery:{}", received[before].id()),
        failed[0]["id"].as_str().unwrap()
    );
    let delivered = wait_for_deliveries(&app, &ada, 1, Duration::from_secs(10), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;
    assert_eq!(delivered[0]["attempts"].as_i64().unwrap(), attempts + 1);
    assert_eq!(webhook_state(&app, &ada).await["failingSince"], Value::Null);
}

#[tokio::test]
async fn an_endpoint_failing_too_long_is_disabled_with_an_audit_event_and_catches_up_when_enabled()
{
    let app = spawn_app_with(AppOptions {
        webhooks: projects_api::webhooks::WebhookOptions {
            retry: projects_api::store::RetryPolicy {
                base: Duration::from_millis(100),
                max_wait: Duration::from_millis(200),
                disable_after: Duration::from_millis(500),
                ..Default::default()
            },
            ..test_webhooks()
        },
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let receiver = Receiver::start(vec![503; 1000]).await;
    let (webhook_id, secret) =
        create_webhook(&app, &ada, &receiver.url, &["project.created.v1"]).await;
    app.create_project(&ada, json!({ "name": "One" })).await;
    let start = Instant::now();
    let webhook = loop {
        let webhook = webhook_state(&app, &ada).await;
        if webhook["enabled"] == false {
            break webhook;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{webhook}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        webhook["disabledReason"]
            .as_str()
            .unwrap()
            .contains("failed"),
        "{webhook}"
    );
    let audit = call(
        &app,
        &ada,
        "query($o: String!) { organization(slug: $o) { auditEvents(first: 10) { nodes { action payload } } } }",
        json!({ "o": ada.organization_slug }),
    )
    .await;
    let disabled: Vec<&Value> = audit["data"]["organization"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "webhook.disabled")
        .collect();
    assert_eq!(disabled.len(), 1, "{audit}");
    assert_eq!(
        disabled[0]["payload"]["webhookId"],
        json!(webhook_id.trim_start_matches("Webhook:"))
    );

    // While disabled nothing is sent; events keep coming.
    let sent = receiver.received().len();
    let two = app.create_project(&ada, json!({ "name": "Two" })).await;
    let two = crate::helpers::uuid_of(&project(&two)["id"]).to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), sent);

    // Fixed and enabled again: the pending delivery and the missed event
    // both arrive.
    receiver.state.lock().unwrap().script.clear();
    let body = call(
        &app,
        &ada,
        "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { enabled disabledReason } } }",
        json!({ "i": { "id": webhook_id, "enabled": true } }),
    )
    .await;
    assert_eq!(
        body["data"]["updateWebhook"]["webhook"],
        json!({ "enabled": true, "disabledReason": null })
    );
    wait_for_deliveries(&app, &ada, 2, Duration::from_secs(10), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;
    let projects: Vec<String> = receiver
        .received()
        .iter()
        .skip(sent)
        .map(|message| {
            verify(message, &secret);
            message.json()["data"]["projectId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(projects.contains(&two), "{projects:?}");
}

#[tokio::test]
async fn webhooks_are_managed_by_owners_and_admins_with_every_input_problem_reported() {
    let app = spawn_app_with(AppOptions {
        webhooks: projects_api::webhooks::WebhookOptions {
            allow_private: false,
            ..test_webhooks()
        },
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    app.store
        .add_member(
            &ada.organization_slug,
            "bob@example.com",
            projects_api::domain::Role::Member,
        )
        .await
        .unwrap();
    let organization = ada.organization_global_id();
    type Case = (&'static str, Value, Vec<(&'static str, &'static str)>);
    let cases: Vec<Case> = vec![
        (
            "a loopback address",
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["project.created.v1"] }),
            vec![("INVALID_WEBHOOK_URL", "input.url")],
        ),
        (
            "cloud metadata",
            json!({ "url": "http://169.254.169.254/latest/meta-data", "events": ["project.created.v1"] }),
            vec![("INVALID_WEBHOOK_URL", "input.url")],
        ),
        (
            "a private network",
            json!({ "url": "https://10.0.0.8/hook", "events": ["project.created.v1"] }),
            vec![("INVALID_WEBHOOK_URL", "input.url")],
        ),
        (
            "localhost by name",
            json!({ "url": "http://localhost:8000/hook", "events": ["project.created.v1"] }),
            vec![("INVALID_WEBHOOK_URL", "input.url")],
        ),
        (
            "not http",
            json!({ "url": "file:///etc/passwd", "events": ["project.created.v1"] }),
            vec![("INVALID_WEBHOOK_URL", "input.url")],
        ),
        (
            "credentials",
            json!({ "url": "https://me:secret@hooks.example.com/", "events": ["project.created.v1"] }),
            vec![("INVALID_WEBHOOK_URL", "input.url")],
        ),
        (
            "no events",
            json!({ "url": "https://hooks.example.com/", "events": [] }),
            vec![("BAD_USER_INPUT", "input.events")],
        ),
        (
            "everything at once",
            json!({ "url": "gopher://x", "events": ["project.created.v1", "project.exploded.v1"], "description": "x\u{1b}[31m" }),
            vec![
                ("INVALID_WEBHOOK_URL", "input.url"),
                ("BAD_USER_INPUT", "input.events.1"),
                ("INVALID_DESCRIPTION", "input.description"),
            ],
        ),
    ];
    for (case, input, expected) in cases {
        let mut input = input;
        input["organizationId"] = json!(organization);
        let body = call(&app, &ada, CREATE_WEBHOOK, json!({ "i": input })).await;
        assert_eq!(body["data"]["createWebhook"], Value::Null, "{case}: {body}");
        let found: Vec<(String, String)> = error_fields(&body)
            .into_iter()
            .map(|(code, field)| (code, dotted(&field)))
            .collect();
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(code, field)| (code.to_owned(), field.to_owned()))
            .collect();
        assert_eq!(found, expected, "{case}: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM webhooks").await, 0);

    // A member who is not an OWNER or ADMIN can neither create nor list;
    // a stranger does not learn the organization exists.
    let input = json!({ "organizationId": organization, "url": "https://hooks.example.com/p", "events": ["project.created.v1"] });
    let body = call(&app, &bob, CREATE_WEBHOOK, json!({ "i": input })).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
    let carol = app.create_user("carol@example.com").await;
    let body = call(&app, &carol, CREATE_WEBHOOK, json!({ "i": input })).await;
    assert_eq!(error_codes(&body), ["ORGANIZATION_NOT_FOUND"], "{body}");
    let (id, _) = create_webhook(
        &app,
        &ada,
        "https://hooks.example.com/p",
        &["project.created.v1", "project.created.v1"],
    )
    .await;
    let listed = call(
        &app,
        &bob,
        "query($o: String!) { organization(slug: $o) { webhooks { id } } }",
        json!({ "o": ada.organization_slug }),
    )
    .await;
    assert_eq!(error_codes(&listed), ["FORBIDDEN"], "{listed}");
    let listed = webhook_state(&app, &ada).await;
    assert_eq!(listed["id"], json!(id));

    // Changes: only what is given; the events deduplicated; checked the
    // same way.
    let update = "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { url events description enabled } } }";
    let body = call(&app, &ada, update, json!({ "i": { "id": id, "description": "CI", "events": ["project.deleted.v1", "project.deleted.v1"] } })).await;
    assert_eq!(
        body["data"]["updateWebhook"]["webhook"],
        json!({ "url": "https://hooks.example.com/p", "events": ["project.deleted.v1"], "description": "CI", "enabled": true }),
        "{body}"
    );
    let body = call(
        &app,
        &ada,
        update,
        json!({ "i": { "id": id, "url": "http://[::1]/" } }),
    )
    .await;
    assert_eq!(error_codes(&body), ["INVALID_WEBHOOK_URL"], "{body}");
    let body = call(
        &app,
        &bob,
        update,
        json!({ "i": { "id": id, "enabled": false } }),
    )
    .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
    let body = call(
        &app,
        &carol,
        update,
        json!({ "i": { "id": id, "enabled": false } }),
    )
    .await;
    assert_eq!(error_codes(&body), ["WEBHOOK_NOT_FOUND"], "{body}");

    // Deleting: once.
    let delete = "mutation($id: ID!) { deleteWebhook(id: $id) { webhook { id } } }";
    let body = call(&app, &carol, delete, json!({ "id": id })).await;
    assert_eq!(error_codes(&body), ["WEBHOOK_NOT_FOUND"], "{body}");
    let body = call(&app, &ada, delete, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["deleteWebhook"]["webhook"]["id"],
        json!(id),
        "{body}"
    );
    let body = call(&app, &ada, delete, json!({ "id": id })).await;
    assert_eq!(error_codes(&body), ["WEBHOOK_NOT_FOUND"], "{body}");
    let audit = app
        .count("SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('webhook.created', 'webhook.updated', 'webhook.deleted')")
        .await;
    assert_eq!(audit, 3);

    // An organization has at most 20.
    for i in 0..20 {
        create_webhook(
            &app,
            &ada,
            &format!("https://hooks.example.com/{i}"),
            &["project.created.v1"],
        )
        .await;
    }
    let body = call(&app, &ada, CREATE_WEBHOOK, json!({ "i": input })).await;
    assert_eq!(error_codes(&body), ["MAX_WEBHOOKS_REACHED"], "{body}");
}

/// A field path (`["input", "events", 1]`) as `input.events.1`.
fn dotted(field: &Value) -> String {
    field
        .as_array()
        .unwrap_or_else(|| panic!("a field path: {field}"))
        .iter()
        .map(|segment| match segment {
            Value::String(name) => name.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A server process of the binary that delivers webhooks to 127.0.0.1.
async fn delivering_replica(app: &TestApp) -> crate::helpers::Replica {
    spawn_binary(
        &app.db.url,
        &[
            ("WEBHOOK_ALLOW_PRIVATE", "true"),
            ("WEBHOOK_TIMEOUT", "3s"),
            ("WEBHOOK_RETRY_BASE", "200ms"),
        ],
    )
    .await
}

fn no_delivery() -> AppOptions {
    AppOptions {
        webhooks: projects_api::webhooks::WebhookOptions {
            deliver: false,
            ..test_webhooks()
        },
        ..AppOptions::default()
    }
}

#[tokio::test]
async fn two_processes_share_the_deliveries_and_send_each_once() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(
            &ada.organization_slug,
            projects_api::domain::Plan::Enterprise,
        )
        .await
        .unwrap();
    let _replica = delivering_replica(&app).await;
    let receiver = Receiver::start(Vec::new()).await;
    create_webhook(&app, &ada, &receiver.url, &["project.created.v1"]).await;
    for i in 0..30 {
        app.create_project(&ada, json!({ "name": format!("P{i}") }))
            .await;
    }
    receiver.wait_for(30, Duration::from_secs(20)).await;
    wait_for_deliveries(&app, &ada, 30, Duration::from_secs(10), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ids: Vec<String> = receiver.received().iter().map(Received::id).collect();
    assert_eq!(ids.len(), 30, "{ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "a delivery was sent twice");
}

#[tokio::test]
async fn deliveries_of_a_killed_process_are_finished_by_another() {
    // This process only serves the API; the replicas deliver.
    let app = spawn_app_with(no_delivery()).await;
    let ada = app.create_user("ada@example.com").await;
    let receiver = Receiver::start(Vec::new()).await;
    receiver.set_hold(true);
    let (_, secret) = create_webhook(&app, &ada, &receiver.url, &["project.created.v1"]).await;
    let mut doomed = delivering_replica(&app).await;
    for name in ["A", "B", "C", "D", "E"] {
        app.create_project(&ada, json!({ "name": name })).await;
    }
    // All five are in the doomed process's hands, unanswered.
    let held = receiver.wait_for(5, Duration::from_secs(3)).await;
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    receiver.set_hold(false);
    let _survivor = delivering_replica(&app).await;
    // Once the dead process's lease runs out (2 × 3 s + 1 s), the survivor
    // sends each again.
    let deliveries = wait_for_deliveries(&app, &ada, 5, Duration::from_secs(30), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;
    for delivery in &deliveries {
        assert_eq!(delivery["attempts"], 2, "{deliveries:#?}");
    }
    let received = receiver.received();
    let mut held_ids: Vec<String> = held.iter().map(Received::id).collect();
    held_ids.sort();
    let mut resent: Vec<String> = received[5..].iter().map(Received::id).collect();
    resent.sort();
    assert_eq!(held_ids, resent);
    for message in &received {
        verify(message, &secret);
    }
}

#[tokio::test]
async fn a_slow_receiver_is_cut_off_and_a_huge_answer_is_not_read_to_its_end() {
    use axum::response::IntoResponse;
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // Answers 200 with an endless body on /huge, and nothing for 60 s on
    // /slow.
    let router = axum::Router::new()
        .route(
            "/huge",
            axum::routing::post(|| async {
                let chunk = Bytes::from(vec![b'x'; 16 * 1024]);
                let endless = futures::stream::repeat_with(move || {
                    Ok::<_, std::convert::Infallible>(chunk.clone())
                });
                axum::body::Body::from_stream(endless).into_response()
            }),
        )
        .route(
            "/slow",
            axum::routing::post(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                StatusCode::OK
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let (id, _) =
        create_webhook(&app, &ada, &format!("{base}/huge"), &["project.created.v1"]).await;
    app.create_project(&ada, json!({ "name": "Huge" })).await;
    wait_for_deliveries(&app, &ada, 1, Duration::from_secs(10), |d| {
        d["status"] == "SUCCEEDED"
    })
    .await;

    let body = call(
        &app,
        &ada,
        "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { url } } }",
        json!({ "i": { "id": id, "url": format!("{base}/slow") } }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    app.create_project(&ada, json!({ "name": "Slow" })).await;
    let start = Instant::now();
    let slow = loop {
        let webhook = webhook_state(&app, &ada).await;
        let nodes = webhook["deliveries"]["nodes"].as_array().unwrap().clone();
        if let Some(slow) = nodes
            .iter()
            .find(|d| d["status"] == "PENDING" && d["lastError"].is_string())
        {
            break slow.clone();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{webhook}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The test server's timeout is 2 s.
    assert_eq!(slow["lastError"], "No answer within 2s.", "{slow}");
    assert_eq!(slow["lastResponseCode"], Value::Null);
    assert!(slow["nextAttemptAt"].is_string());

    // Finished deliveries go with the event retention; pending ones stay.
    let impatient = projects_api::store::Store::connect(&projects_api::store::StoreOptions {
        event_retention: Duration::ZERO,
        ..crate::helpers::store_options(&app.db.url)
    })
    .await
    .unwrap();
    assert_eq!(impatient.purge_finished_deliveries().await.unwrap(), 1);
    let left = webhook_state(&app, &ada).await["deliveries"]["nodes"].clone();
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    assert_eq!(left[0]["id"], slow["id"]);
}
