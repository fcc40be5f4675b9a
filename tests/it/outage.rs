//! Database outages: a TCP proxy of the test's own sits between the server
//! and PostgreSQL and is cut and restored. While it is cut, requests fail
//! fast with SERVICE_UNAVAILABLE and readiness is 503; once it is back the
//! server serves again by itself. SQLite has no network to cut, so these
//! tests run against PostgreSQL (TEST_DATABASE_URL) only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{AppOptions, TestApp, error_codes, spawn_app_with};

/// Forwards TCP connections to `target` until cut; a cut drops every open
/// connection and refuses new ones until `restore`.
struct Proxy {
    address: SocketAddr,
    cut: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let (cuts, _) = watch::channel(0u64);
        let (accept_cut, accept_cuts) = (cut.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if accept_cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut_signal = accept_cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut_signal.changed() => {}
                    }
                });
            }
        });
        Proxy { address, cut, cuts }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// `host:port` of a postgres:// URL.
fn target_of(url: &str) -> SocketAddr {
    let rest = url.split("://").nth(1).unwrap();
    let host_port = rest.split('/').next().unwrap();
    let host_port = host_port.rsplit('@').next().unwrap();
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    host_port.replace("localhost", "127.0.0.1").parse().unwrap()
}

/// A server whose database connections go through a proxy; `None` on
/// SQLite.
async fn app_behind_proxy() -> Option<(TestApp, Proxy)> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty());
    let Some(url) = url else {
        eprintln!(
            "outage tests need PostgreSQL (TEST_DATABASE_URL); SQLite has no connection to cut"
        );
        return None;
    };
    let proxy = Proxy::start(target_of(&url)).await;
    let proxied = proxy.address;
    let app = spawn_app_with(AppOptions {
        acquire_timeout: Duration::from_secs(1),
        rewrite_database_url: Some(Box::new(move |url: &str| {
            let target = target_of(url);
            url.replacen(&target.to_string(), &proxied.to_string(), 1)
                .replacen(
                    &format!("localhost:{}", target.port()),
                    &proxied.to_string(),
                    1,
                )
        })),
        ..AppOptions::default()
    })
    .await;
    Some((app, proxy))
}

async fn status_of(app: &TestApp, path: &str) -> StatusCode {
    app.client.get(app.url(path)).send().await.unwrap().status()
}

#[tokio::test]
async fn an_outage_is_503_fast_and_the_server_recovers_by_itself() {
    let Some((app, proxy)) = app_behind_proxy().await else {
        return;
    };
    let ada = app.create_user("ada@example.com").await;
    let body = app.create_project(&ada, json!({ "name": "Before" })).await;
    assert!(body.get("errors").is_none(), "{body}");

    proxy.cut();
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .json(&json!({ "query": "mutation { createProject(input: {name: \"During\"}) { project { id } } }" }))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    assert!(elapsed < Duration::from_secs(5), "failed in {elapsed:?}");
    let (_, body) = app.graphql(None, "{ regions { code } }", json!({})).await;
    assert_eq!(error_codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    assert_eq!(
        status_of(&app, "/health/ready").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(status_of(&app, "/health/live").await, StatusCode::OK);

    proxy.restore();
    let mut ready = false;
    for _ in 0..100 {
        if status_of(&app, "/health/ready").await == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "ready again without a restart");
    let body = app.create_project(&ada, json!({ "name": "After" })).await;
    assert_eq!(
        body["data"]["createProject"]["project"]["slug"], "after",
        "{body}"
    );
}

#[tokio::test]
async fn a_cut_in_the_middle_of_creates_leaves_whole_projects_or_nothing() {
    let Some((app, proxy)) = app_behind_proxy().await else {
        return;
    };
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, projects_api::domain::Plan::Pro)
        .await
        .unwrap();
    let requests = (0..20).map(|i| {
        let client = app.client.clone();
        let url = app.url("/graphql");
        let token = ada.token.clone();
        tokio::spawn(async move {
            let query = format!(
                "mutation {{ createProject(input: {{name: \"Cut {i}\", changeRequestEnvironments: [{{name: \"production\"}}]}}) {{ project {{ id }} }} }}"
            );
            let response = client.post(url).bearer_auth(token).json(&json!({ "query": query })).send().await;
            response.ok().map(|response| response.status())
        })
    });
    let handles: Vec<_> = requests.collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    proxy.cut();
    let statuses: Vec<_> = futures::future::join_all(handles).await;
    proxy.restore();
    let statuses: Vec<StatusCode> = statuses.into_iter().flatten().flatten().collect();
    eprintln!("statuses around the cut: {statuses:?}");
    for status in statuses {
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "no other failure: {status}"
        );
    }
    // Whatever got in is whole: every project has its owner, its
    // environment rows and its audit event.
    let projects = app.count("SELECT COUNT(*) AS n FROM projects").await;
    let members = app.count("SELECT COUNT(*) AS n FROM project_members").await;
    let events = app
        .count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.created'")
        .await;
    let change_requests = app
        .count("SELECT COUNT(*) AS n FROM project_environments WHERE change_requests_enabled")
        .await;
    assert_eq!(
        (members, events, change_requests),
        (projects, projects, projects)
    );
}
