//! `schema.graphql` is generated from the code: this test keeps the
//! committed file equal to `projects-api schema`, rewriting it (and
//! failing) when it is stale, so a rerun passes once the change is
//! reviewed and committed.

use std::process::Command;

#[test]
fn schema_graphql_is_up_to_date() {
    let output = Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .arg("schema")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let sdl = String::from_utf8(output.stdout).expect("UTF-8 SDL");
    assert!(sdl.contains("createProject(input: CreateProjectInput!): CreateProjectPayload"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != sdl {
        std::fs::write(path, &sdl).expect("rewrite schema.graphql");
        panic!("schema.graphql was stale and has been regenerated; review and commit it");
    }
}
