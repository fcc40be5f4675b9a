//! The binary's commands, run as a user would run them.

use std::process::{Command, Output};

use serde_json::Value;

use crate::helpers::{TestDb, spawn_app};

const BIN: &str = env!("CARGO_BIN_EXE_projects-api");

fn run(db: &TestDb, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}, stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

#[tokio::test]
async fn admin_commands_print_the_documented_json() {
    let db = TestDb::new().await;
    let migrated = json_of(&run(&db, &["migrate"]));
    assert_eq!(migrated["migrated"], true);
    // Migrations are idempotent.
    assert_eq!(json_of(&run(&db, &["migrate"]))["migrated"], true);

    let ada = json_of(&run(
        &db,
        &[
            "admin",
            "create-user",
            "--email",
            "Ada@Example.com",
            "--name",
            "Ada",
        ],
    ));
    let keys: Vec<_> = ada.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["organizationId", "organizationSlug", "token", "userId"]
    );
    assert_eq!(ada["organizationSlug"], "ada");
    let token = ada["token"].as_str().unwrap();
    // `pat_`, the token's id, then 256 random bits.
    let (id, secret) = token
        .strip_prefix("pat_")
        .and_then(|rest| rest.split_once('_'))
        .unwrap_or_else(|| panic!("pat_<id>_<secret>: {token}"));
    assert_eq!((id.len(), secret.len()), (32, 64), "{token}");
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");

    let bob = json_of(&run(
        &db,
        &["admin", "create-user", "--email", "bob@example.com"],
    ));
    let org = ada["organizationSlug"].as_str().unwrap();

    let member = json_of(&run(
        &db,
        &[
            "admin",
            "add-member",
            "--organization",
            org,
            "--email",
            "bob@example.com",
            "--role",
            "viewer",
        ],
    ));
    assert_eq!(member["organizationId"], ada["organizationId"]);
    assert_eq!(member["userId"], bob["userId"]);
    assert_eq!(member["role"], "VIEWER");

    let plan = json_of(&run(
        &db,
        &[
            "admin",
            "set-plan",
            "--organization",
            org,
            "--plan",
            "ENTERPRISE",
        ],
    ));
    assert_eq!(plan["plan"], "ENTERPRISE");
    assert_eq!(plan["maxProjects"], Value::Null);
    let plan = json_of(&run(
        &db,
        &[
            "admin",
            "set-plan",
            "--organization",
            ada["organizationId"].as_str().unwrap(),
            "--plan",
            "pro",
        ],
    ));
    assert_eq!(plan["maxProjects"], 100);

    let second = json_of(&run(
        &db,
        &["admin", "create-token", "--email", "ada@example.com"],
    ));
    let second = second["token"].as_str().unwrap();
    assert_ne!(second, token);
    let revoked = json_of(&run(&db, &["admin", "revoke-token", "--token", second]));
    assert_eq!(revoked, serde_json::json!({ "revoked": true }));
}

#[tokio::test]
async fn admin_errors_go_to_stderr_with_a_failing_exit_code() {
    let db = TestDb::new().await;
    json_of(&run(
        &db,
        &["admin", "create-user", "--email", "ada@example.com"],
    ));
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "duplicate user",
            &["admin", "create-user", "--email", "ada@example.com"],
            "already exists",
        ),
        (
            "unknown user",
            &["admin", "create-token", "--email", "nobody@example.com"],
            "No user",
        ),
        (
            "unknown token",
            &["admin", "revoke-token", "--token", "pat_nope"],
            "No active token",
        ),
        (
            "bad role",
            &[
                "admin",
                "add-member",
                "--organization",
                "ada",
                "--email",
                "ada@example.com",
                "--role",
                "KING",
            ],
            "not a role",
        ),
        (
            "unknown organization",
            &[
                "admin",
                "set-plan",
                "--organization",
                "nope",
                "--plan",
                "PRO",
            ],
            "No organization",
        ),
    ];
    for (label, args, message) in cases {
        let output = run(&db, args);
        assert!(!output.status.success(), "{label}");
        assert!(output.stdout.is_empty(), "{label}: stdout must stay empty");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{label}: {stderr}");
    }
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let app = spawn_app().await;
    let created = json_of(&run(
        &app.db,
        &["admin", "create-user", "--email", "ada@example.com"],
    ));
    let token = created["token"].as_str().unwrap();
    let (status, _) = app
        .graphql(Some(token), "{ viewer { id } }", serde_json::json!({}))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    json_of(&run(&app.db, &["admin", "revoke-token", "--token", token]));
    let (status, body) = app
        .graphql(Some(token), "{ viewer { id } }", serde_json::json!({}))
        .await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["schema", "--help"],
        &["admin", "--help"],
        &["admin", "create-user", "--help"],
        &["admin", "create-token", "--help"],
        &["admin", "revoke-token", "--help"],
        &["admin", "add-member", "--help"],
        &["admin", "set-plan", "--help"],
    ] {
        let output = Command::new(BIN).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn serve_exits_cleanly_on_sigterm() {
    let db = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &listen])
        .env("DATABASE_URL", &db.url)
        .env("LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = crate::helpers::http_client();
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(response) = client
            .get(format!("http://{listen}/health/ready"))
            .send()
            .await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "the server became ready");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        (status, stderr)
    })
    .await
    .unwrap();
    assert!(output.0.success(), "exit 0 after SIGTERM: {:?}", output.0);
    // Logs are JSON lines, and the request was logged with its id.
    let request_line = output
        .1
        .lines()
        .find(|line| line.contains("/health/ready"))
        .expect("the request was logged");
    let line: Value = serde_json::from_str(request_line).expect("a JSON log line");
    assert!(
        line["span"]["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 36),
        "{line}"
    );
}
