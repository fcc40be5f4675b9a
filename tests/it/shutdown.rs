//! SIGTERM with requests in flight: every one of them completes with a
//! valid response, new connections are refused, and the process exits 0.

use std::time::Duration;

use futures::future::join_all;
use projects_api::domain::Plan;
use reqwest::StatusCode;
use serde_json::{Value, json};

use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::helpers::{CREATE_PROJECT, TestDb, spawn_binary, store_options};

#[tokio::test]
async fn sigterm_lets_20_creates_in_flight_finish_then_exits_0() {
    let db = TestDb::new().await;
    let mut server = spawn_binary(&db.url, &[("SHUTDOWN_GRACE_PERIOD", "20")]).await;
    let store = projects_api::store::Store::connect(&store_options(&db.url))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let ada = store.create_user("ada@example.com", None).await.unwrap();
    store
        .set_plan(&ada.organization.slug, Plan::Pro)
        .await
        .unwrap();

    // Open 20 connections first, so every create rides one the server has
    // already accepted when the signal comes.
    let client = crate::helpers::http_client_builder()
        .pool_max_idle_per_host(32)
        .build()
        .unwrap();
    let warm = (0..20).map(|_| client.get(format!("{}/health/live", server.address)).send());
    for response in join_all(warm).await {
        assert_eq!(response.unwrap().status(), StatusCode::OK);
    }

    // Hold the organization (PostgreSQL: its row; SQLite: the write lock)
    // so that no create can finish before the signal: all 20 are then
    // certainly in flight when it comes.
    let db_handle = sea_orm::Database::connect(&db.url).await.unwrap();
    let lock = db_handle
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap();
    if lock.get_database_backend() == sea_orm::DbBackend::Postgres {
        lock.execute_unprepared("SELECT id FROM organizations FOR UPDATE")
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let creates: Vec<_> = (0..20)
        .map(|i| {
            let request = client
                .post(format!("{}/graphql", server.address))
                .bearer_auth(&ada.token)
                .json(&json!({ "query": CREATE_PROJECT, "variables": { "input": { "name": format!("In flight {i}") } } }))
                .send();
            tokio::spawn(request)
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = server.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.rollback().await.unwrap();

    let mut created = 0;
    for response in join_all(creates).await {
        let response = response
            .unwrap()
            .expect("a request in flight gets its response");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["data"]["createProject"]["project"]["id"].is_string(),
            "{body}"
        );
        created += 1;
    }
    assert_eq!(created, 20);
    eprintln!(
        "SIGTERM after 500 ms, lock released at 800 ms; the last of 20 creates answered after {:?}",
        started.elapsed()
    );

    let address = server.address.clone();
    let status = tokio::task::spawn_blocking(move || server.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
    let refused = crate::helpers::http_client()
        .get(format!("{address}/health/live"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(refused.is_err(), "new connections are refused once stopped");
    store.close().await.ok();
}
