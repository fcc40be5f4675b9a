//! `openapi.json` is generated from the code (`projects-api openapi`),
//! served at `/openapi.json`, and every door answer the suite sees is
//! checked against it: door tests read answers through [`answer`], which
//! fails the test when the status is undocumented for the route or the body
//! does not match the documented schema.

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, LazyLock, Mutex};

use jsonschema::Validator;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// The committed document every answer is checked against.
static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(PATH).expect("openapi.json is committed");
    serde_json::from_str(&text).expect("openapi.json is JSON")
});

type Validators = Mutex<HashMap<(String, u16), Arc<Validator>>>;
static VALIDATORS: LazyLock<Validators> = LazyLock::new(Default::default);

/// A door's answer, read and checked against `openapi.json`.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// Reads a door's answer to a POST and checks it against the document.
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let path = response.url().path().to_owned();
    let text = response.text().await.expect("the body is read");
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{status} from POST {path} is not JSON ({err}): {text}"));
    if let Err(problems) = conforms("post", &path, status.as_u16(), &body) {
        panic!("{status} from POST {path} does not match openapi.json: {problems}\n{body}");
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// Whether `body` is what the document says `method path` answers with
/// `status`; the problems when it is not.
fn conforms(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
    let template = SPEC["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .find(|template| matches_template(template, path))
        .ok_or_else(|| format!("no documented route matches {path}"))?
        .clone();
    let validator = {
        let mut validators = VALIDATORS.lock().unwrap();
        let key = (format!("{method} {template}"), status);
        match validators.get(&key) {
            Some(validator) => validator.clone(),
            None => {
                let validator = Arc::new(validator_for(method, &template, status)?);
                validators.insert(key, validator.clone());
                validator
            }
        }
    };
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// A validator for one response: the whole document as the root (so its
/// `#/components/...` references resolve), pointing at the response's
/// schema.
fn validator_for(method: &str, template: &str, status: u16) -> Result<Validator, String> {
    let response = &SPEC["paths"][template][method]["responses"][status.to_string()];
    if response.is_null() {
        return Err(format!(
            "{status} is not documented for {method} {template}"
        ));
    }
    // A JSON pointer in a URI fragment: `~` and `/` escaped, then the
    // braces of path parameters percent-encoded.
    let escape = |part: &str| {
        part.replace('~', "~0")
            .replace('/', "~1")
            .replace('{', "%7B")
            .replace('}', "%7D")
    };
    let pointer = format!(
        "#/paths/{}/{method}/responses/{status}/content/application~1json/schema",
        escape(template)
    );
    let mut root = SPEC.clone();
    root["$ref"] = json!(pointer);
    jsonschema::draft202012::new(&root).map_err(|err| format!("the schema does not compile: {err}"))
}

/// `/v1/organizations/{organizationId}/projects` matches
/// `/v1/organizations/42/projects`.
fn matches_template(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(want, got)| want == got || (want.starts_with('{') && !got.is_empty()))
}

#[tokio::test]
async fn openapi_json_is_generated_from_the_code_and_served() {
    let output = Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .arg("openapi")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    if committed != generated {
        std::fs::write(PATH, &generated).expect("rewrite openapi.json");
        panic!("openapi.json was stale and has been regenerated; review and commit it");
    }
    let document: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut paths: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/api/admin/projects",
            "/api/create-project",
            "/api/sdk/create-project",
            "/v1/organizations/{organizationId}/projects",
            "/v1beta1/organizations/{org_id}/projects",
            "/v1beta1/projects",
        ]
    );

    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), generated);
}

#[test]
fn the_check_refuses_what_the_document_does_not_describe() {
    let metabind = "/v1/organizations/7f1c/projects";
    // The documented error shape passes; a body missing a required key,
    // a key of the wrong type, an undocumented status and an undocumented
    // route do not.
    let error = json!({ "error": { "code": "NOT_FOUND", "message": "m", "details": {} } });
    assert_eq!(conforms("post", metabind, 404, &error), Ok(()));
    assert!(
        conforms(
            "post",
            metabind,
            404,
            &json!({ "error": { "code": "NOT_FOUND" } })
        )
        .is_err()
    );
    assert!(conforms("post", metabind, 404, &json!({ "error": "NOT_FOUND" })).is_err());
    assert!(conforms("post", metabind, 418, &error).is_err());
    assert!(conforms("post", "/v1/organizations/7f1c", 404, &error).is_err());
    // Unleash's success admits no other keys.
    let created = json!({ "id": "p", "name": "P", "description": null, "featureLimit": null,
        "mode": "open", "defaultStickiness": "default", "environments": [],
        "changeRequestEnvironments": [] });
    assert_eq!(
        conforms("post", "/api/admin/projects", 201, &created),
        Ok(())
    );
    let mut extra = created.clone();
    extra["createdAt"] = json!("2026-01-01T00:00:00Z");
    assert!(conforms("post", "/api/admin/projects", 201, &extra).is_err());
    // The rate limit's shape is documented on every door.
    let limited =
        json!({ "errors": [{ "message": "m", "extensions": { "code": "RATE_LIMITED" } }] });
    assert_eq!(conforms("post", "/v1beta1/projects", 429, &limited), Ok(()));
    assert_eq!(
        conforms("post", "/api/create-project", 429, &limited),
        Ok(())
    );
    assert_eq!(
        conforms(
            "post",
            "/api/create-project",
            429,
            &json!({ "message": "keys" })
        ),
        Ok(())
    );
}
