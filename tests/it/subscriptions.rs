//! GraphQL subscriptions over WebSocket (graphql-transport-ws): project
//! events reach subscribers on any process, in order, and a subscriber
//! that resumes with `after` misses nothing and sees nothing twice.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{
    AppOptions, TestApp, TestUser, create_project_at, error_codes, project, spawn_app,
    spawn_app_with,
};

const SUBSCRIPTION: &str = "subscription($o: ID!, $after: String) {
  projectEvents(organizationId: $o, after: $after) { type cursor projectId payload actor { email } } }";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client, as the `graphql-ws` library speaks it.
struct Client {
    socket: Socket,
}

/// How the server closed a connection: its close code and reason.
#[derive(Debug)]
struct Refused {
    code: Option<u16>,
    reason: String,
}

impl Client {
    /// Connects to `address`'s `/graphql` and sends `connection_init` with
    /// `payload`; `Err` when the server closes instead of acknowledging.
    async fn connect(address: &str, payload: Value) -> Result<Client, Refused> {
        let url = format!("{}/graphql", address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the upgrade succeeds");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        let mut client = Client { socket };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.receive().await {
            Ok(message) => {
                assert_eq!(message["type"], "connection_ack", "{message}");
                Ok(client)
            }
            Err(refused) => Err(refused),
        }
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("the message is sent");
    }

    /// The next protocol message (answering pings), or how the socket closed.
    async fn receive(&mut self) -> Result<Value, Refused> {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(15), self.socket.next())
                .await
                .expect("a message within 15 s");
            match next {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).unwrap();
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Ok(message);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(Refused {
                        code: frame.as_ref().map(|f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    return Err(Refused {
                        code: None,
                        reason: String::new(),
                    });
                }
            }
        }
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next `n` results of subscription `id`, each its data's event.
    async fn events(&mut self, id: &str, n: usize) -> Vec<Value> {
        let mut events = Vec::new();
        while events.len() < n {
            let message = self.receive().await.expect("the socket stays open");
            assert_eq!(message["id"], id, "{message}");
            assert_eq!(message["type"], "next", "{message}");
            let payload = &message["payload"];
            assert!(payload.get("errors").is_none(), "{payload}");
            events.push(payload["data"]["projectEvents"].clone());
        }
        events
    }

    /// The error codes that end subscription `id` (sent as `error`, or as a
    /// `next` with errors followed by `complete`).
    async fn failure(&mut self, id: &str) -> Vec<String> {
        let message = self.receive().await.expect("the socket stays open");
        assert_eq!(message["id"], id, "{message}");
        match message["type"].as_str() {
            Some("error") => error_codes(&json!({ "errors": message["payload"] })),
            Some("next") => {
                let codes = error_codes(&message["payload"]);
                let end = self.receive().await.expect("the socket stays open");
                assert_eq!(end["type"], "complete", "{end}");
                codes
            }
            _ => panic!("not a failure: {message}"),
        }
    }
}

fn bearer(user: &TestUser) -> Value {
    json!({ "Authorization": format!("Bearer {}", user.token) })
}

/// The cursor of the latest event of `user`'s organization.
async fn last_cursor(app: &TestApp, user: &TestUser) -> String {
    let (_, body) = app
        .graphql(
            Some(&user.token),
            "query($o: String!) { organization(slug: $o) { projectEvents(first: 100) { pageInfo { endCursor } } } }",
            json!({ "o": user.organization_slug }),
        )
        .await;
    body["data"]["organization"]["projectEvents"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap_or_else(|| panic!("an event: {body}"))
        .to_owned()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_subscriber_on_one_process_sees_in_order_what_another_process_writes() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.create_project(&ada, json!({ "name": "Zero" })).await;
    let from = last_cursor(&app, &ada).await;
    let replica = app.spawn_replica().await;

    let mut client = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    client
        .subscribe(
            "1",
            SUBSCRIPTION,
            json!({ "o": ada.organization_global_id(), "after": from }),
        )
        .await;
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for name in ["One", "Two", "Three"] {
        let body =
            create_project_at(&app.client, &replica.address, &ada, json!({ "name": name })).await;
        ids.push(project(&body)["id"].clone());
    }
    let archived = app
        .client
        .post(format!("{}/graphql", replica.address))
        .bearer_auth(&ada.token)
        .json(&json!({
            "query": "mutation($p: ID!) { archiveProject(id: $p) { project { id } } }",
            "variables": { "p": ids[1] },
        }))
        .send()
        .await
        .unwrap();
    assert!(archived.status().is_success());

    let events = client.events("1", 4).await;
    // Woken by the other process's writes (NOTIFY, or SQLite's look for
    // new rows), not by the 5 s recheck every subscription also does.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        types(&events),
        [
            "project.created.v1",
            "project.created.v1",
            "project.created.v1",
            "project.archived.v1"
        ]
    );
    assert_eq!(events[0]["projectId"], ids[0]);
    assert_eq!(events[2]["payload"]["input"]["name"], "Three");
    assert_eq!(events[3]["projectId"], ids[1]);
    assert_eq!(events[3]["actor"]["email"], "ada@example.com");
}

#[tokio::test]
async fn a_subscriber_that_resumes_after_its_last_cursor_misses_nothing_and_repeats_nothing() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.create_project(&ada, json!({ "name": "Zero" })).await;
    let from = last_cursor(&app, &ada).await;

    let mut client = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    client
        .subscribe(
            "a",
            SUBSCRIPTION,
            json!({ "o": ada.organization_id, "after": from }),
        )
        .await;
    for i in 1..=3 {
        app.create_project(&ada, json!({ "name": format!("P{i}") }))
            .await;
    }
    let seen = client.events("a", 2).await;
    drop(client);
    // Written while no one listens.
    for i in 4..=6 {
        app.create_project(&ada, json!({ "name": format!("P{i}") }))
            .await;
    }
    let resume = seen[1]["cursor"].as_str().unwrap().to_owned();
    let mut client = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    client
        .subscribe(
            "b",
            SUBSCRIPTION,
            json!({ "o": ada.organization_id, "after": resume }),
        )
        .await;
    let missed = client.events("b", 4).await;
    app.create_project(&ada, json!({ "name": "P7" })).await;
    let live = client.events("b", 1).await;
    let names: Vec<&str> = seen
        .iter()
        .chain(&missed)
        .chain(&live)
        .map(|e| e["payload"]["input"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]);

    // Without `after`, only what comes next.
    let mut fresh = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    fresh
        .subscribe("c", SUBSCRIPTION, json!({ "o": ada.organization_id }))
        .await;
    // The subscription reads where the stream ends before it waits; give
    // it a moment, as a client's first event would.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.create_project(&ada, json!({ "name": "P8" })).await;
    let next = fresh.events("c", 1).await;
    assert_eq!(next[0]["payload"]["input"]["name"], "P8");
}

#[tokio::test]
async fn subscriptions_need_a_valid_token_membership_and_the_right_transport() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let eve = app.create_user("eve@example.com").await;

    // No token, or an unknown one: the connection is closed (1002, the
    // code async-graphql closes a failed connection_init with), saying why.
    for (payload, why) in [
        (json!({}), "token"),
        (json!({ "Authorization": "Bearer pat_nope" }), "token"),
        (json!({ "Authorization": "Basic abc" }), "token"),
    ] {
        let refused = Client::connect(&app.address, payload.clone())
            .await
            .map(|_| ())
            .unwrap_err();
        assert_eq!(refused.code, Some(1002), "{payload}: {refused:?}");
        assert!(
            refused.reason.to_lowercase().contains(why),
            "{payload}: {refused:?}"
        );
    }
    // A `token` key works as well as an Authorization one.
    let mut client = Client::connect(&app.address, json!({ "token": eve.token }))
        .await
        .unwrap();
    // Another organization's events read as not found.
    client
        .subscribe("1", SUBSCRIPTION, json!({ "o": ada.organization_id }))
        .await;
    assert_eq!(client.failure("1").await, ["ORGANIZATION_NOT_FOUND"]);
    // A bad cursor is an input error at `after`.
    client
        .subscribe(
            "2",
            SUBSCRIPTION,
            json!({ "o": eve.organization_id, "after": "nope" }),
        )
        .await;
    assert_eq!(client.failure("2").await, ["BAD_USER_INPUT"]);
    // Queries and mutations go over HTTP.
    client
        .subscribe("3", "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(client.failure("3").await, ["BAD_REQUEST"]);
    // And subscriptions over WebSocket only.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            SUBSCRIPTION,
            json!({ "o": ada.organization_id }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_REQUEST"], "{body}");
}

#[tokio::test]
async fn a_revoked_tokens_subscription_ends() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let mut client = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    client
        .subscribe("1", SUBSCRIPTION, json!({ "o": ada.organization_id }))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.store.revoke_token(&ada.token).await.unwrap();
    // Within the recheck period (5 s), the subscription ends.
    assert_eq!(client.failure("1").await, ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn connections_and_subscriptions_are_limited() {
    let app = spawn_app_with(AppOptions {
        subscription_connections_per_token: 2,
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let first = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    let mut second = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    let refused = Client::connect(&app.address, bearer(&ada))
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(refused.reason.contains("At most 2"), "{refused:?}");
    drop(first);
    // The first one's place comes free once it is gone.
    let mut again = None;
    for _ in 0..50 {
        if let Ok(client) = Client::connect(&app.address, bearer(&ada)).await {
            again = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed connection frees its place");
    // Twenty subscriptions on one connection, not twenty-one.
    for i in 0..20 {
        second
            .subscribe(
                &i.to_string(),
                SUBSCRIPTION,
                json!({ "o": ada.organization_id }),
            )
            .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    second
        .subscribe("21", SUBSCRIPTION, json!({ "o": ada.organization_id }))
        .await;
    assert_eq!(second.failure("21").await, ["TOO_MANY_SUBSCRIPTIONS"]);
}

/// Waits up to `within` for a notification on the `project_events`
/// channel; its payload (an organization id), or `None`.
async fn notified(
    listener: &mut projects_api::store::PgListener,
    within: Duration,
) -> Option<String> {
    match tokio::time::timeout(within, listener.recv()).await {
        Ok(notification) => Some(notification.unwrap().payload().to_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn commits_notify_only_organizations_someone_listens_to() {
    let app = spawn_app().await;
    if app.store.backend() != sea_orm::DbBackend::Postgres {
        // SQLite has no notifications: each process looks for new rows.
        return;
    }
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let mut listener = app.store.event_listener().await.unwrap();

    // Nobody listens to Ada's organization: its commits notify no one.
    app.create_project(&ada, json!({ "name": "Quiet" })).await;
    assert_eq!(
        notified(&mut listener, Duration::from_millis(500)).await,
        None
    );

    // A subscription registers its organization before its first read.
    let mut client = Client::connect(&app.address, bearer(&ada)).await.unwrap();
    client
        .subscribe(
            "1",
            SUBSCRIPTION,
            json!({ "o": ada.organization_global_id() }),
        )
        .await;
    let start = std::time::Instant::now();
    while app.count("SELECT COUNT(*) AS n FROM event_watchers").await == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "no watcher row");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.create_project(&ada, json!({ "name": "Heard" })).await;
    assert_eq!(
        notified(&mut listener, Duration::from_secs(2)).await,
        Some(ada.organization_id.clone())
    );
    assert_eq!(types(&client.events("1", 1).await), ["project.created.v1"]);

    // An enabled webhook is a listener too.
    let body = app
        .graphql(
            Some(&bob.token),
            "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret } }",
            json!({ "i": { "organizationId": bob.organization_global_id(), "url": "http://127.0.0.1:9/hook", "events": ["project.created.v1"] } }),
        )
        .await
        .1;
    assert!(body.get("errors").is_none(), "{body}");
    app.create_project(&bob, json!({ "name": "Hooked" })).await;
    assert_eq!(
        notified(&mut listener, Duration::from_secs(2)).await,
        Some(bob.organization_id.clone())
    );
}
