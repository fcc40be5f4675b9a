//! Connections that never send a request, send it a byte at a time, or
//! stay open idle are closed by their timeouts; past the connection limit
//! a new one is closed at once; `/health/live` and other users are served
//! meanwhile.

use std::time::{Duration, Instant};

use projects_api::http::connections::ConnectionLimits;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{AppOptions, TestApp, project, spawn_app_with};

async fn app_with(limits: ConnectionLimits) -> TestApp {
    spawn_app_with(AppOptions {
        connections: limits,
        ..AppOptions::default()
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Whether the server closed `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // A response (408 or otherwise) before the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed_and_others_are_served_meanwhile() {
    let app = app_with(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_connections: 1_000,
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let mut slow = Vec::new();
    let mut idle = Vec::new();
    for _ in 0..150 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
        idle.push(connect(&app).await);
    }
    let started = Instant::now();
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let body = app
        .create_project(&ada, json!({ "name": "Meanwhile" }))
        .await;
    assert!(project(&body)["id"].is_string(), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "others took {:?}",
        started.elapsed()
    );
    // A byte every 300 ms does not keep a request's headers alive.
    let mut dribble = connect(&app).await;
    let dribbled = async {
        for byte in b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-A: aaaaaaaaaaaaaaaaaaaa" {
            if dribble.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), dribbled).await;
    for (label, streams, within) in [("slow", &mut slow, 2), ("idle", &mut idle, 3)] {
        for stream in streams.iter_mut() {
            assert!(
                closed_within(stream, Duration::from_secs(within)).await,
                "a {label} connection is still open"
            );
        }
    }
    assert!(closed_within(&mut dribble, Duration::from_secs(1)).await);
}

#[tokio::test]
async fn a_kept_alive_connection_serves_requests_then_closes_when_idle() {
    let app = app_with(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_connections: 100,
    })
    .await;
    let mut stream = connect(&app).await;
    for _ in 0..3 {
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
        // Shorter pauses than the idle timeout keep it open.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(closed_within(&mut stream, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn past_the_connection_limit_a_new_connection_is_closed_at_once() {
    let app = app_with(ConnectionLimits {
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        max_connections: 20,
    })
    .await;
    // The test client's own pooled connection from start-up is gone after
    // its idle timeout in reqwest; open the rest by hand.
    let mut held = Vec::new();
    for _ in 0..30 {
        held.push(connect(&app).await);
    }
    let mut closed = 0;
    for stream in held.iter_mut() {
        if closed_within(stream, Duration::from_millis(300)).await {
            closed += 1;
        }
    }
    assert!(
        (10..=11).contains(&closed),
        "{closed} of 30 were closed; at most 20 may be open"
    );
    drop(held);
    // Once they are gone, new connections are served again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let live = crate::helpers::http_client()
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_server_raises_its_open_file_limit_to_the_hard_limit() {
    use std::os::unix::process::CommandExt;

    let app = crate::helpers::spawn_app().await;
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).expect("the file limits");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_projects-api"));
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn");
    // Start it with a soft limit far below the hard one, as many systems do.
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        command.pre_exec(move || rlimit::setrlimit(rlimit::Resource::NOFILE, 256.min(hard), hard));
    }
    let mut child = command.spawn().expect("start the server binary");
    let client = crate::helpers::http_client();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/health/live"))
            .send()
            .await
        {
            ready = response.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id()));
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "the server started");
    let limits = limits.expect("the process's limits");
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .expect("a line for open files");
    let numbers: Vec<u64> = line
        .split_whitespace()
        .skip(3)
        .take(2)
        .map(|n| n.parse().unwrap_or(u64::MAX))
        .collect();
    assert_eq!(numbers, [hard, hard], "soft and hard limits: {line}");
}
