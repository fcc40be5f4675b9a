//! The read side: viewer, organization, project, paginated lists, the
//! audit log, createOrganization, and a fixed number of statements per
//! request whatever the page size.

use projects_api::domain::{Plan, Role};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, create_many, error_codes, project, spawn_app};

const PROJECTS_PAGE: &str = r#"
query Page($slug: String!, $first: Int, $after: String, $filter: ProjectFilter) {
  organization(slug: $slug) {
    projects(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id slug } }
    }
  }
}"#;

async fn page(app: &TestApp, user: &TestUser, variables: Value) -> Value {
    let (_, body) = app
        .graphql(Some(&user.token), PROJECTS_PAGE, variables)
        .await;
    body
}

/// `totalCount` of the caller's personal projects matching `filter`.
async fn total(app: &TestApp, user: &TestUser, filter: Value) -> u64 {
    let body = page(
        app,
        user,
        json!({ "slug": user.organization_slug, "filter": filter }),
    )
    .await;
    let total = &body["data"]["organization"]["projects"]["totalCount"];
    total
        .as_u64()
        .unwrap_or_else(|| panic!("no totalCount: {body}"))
}

#[tokio::test]
async fn paging_forward_through_25_projects_has_no_duplicates_or_gaps() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, Plan::Pro)
        .await
        .unwrap();
    let created = create_many(&app, &ada, 25, "Paged").await;

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let body = page(
            &app,
            &ada,
            json!({ "slug": ada.organization_slug, "first": 10, "after": after }),
        )
        .await;
        let connection = &body["data"]["organization"]["projects"];
        assert_eq!(connection["totalCount"], 25, "{body}");
        let info = &connection["pageInfo"];
        assert_eq!(info["hasPreviousPage"], after.is_some());
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(info["endCursor"], edges.last().unwrap()["cursor"]);
        seen.extend(
            edges
                .iter()
                .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(pages, 3);
    // Creation order, every project once.
    assert_eq!(seen, created);
}

#[tokio::test]
async fn lists_filter_cap_their_size_and_refuse_foreign_cursors() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    create_many(&app, &ada, 3, "Alpha").await;
    create_many(&app, &ada, 2, "Beta 100%").await;
    create_many(&app, &bob, 2, "Bob").await;

    assert_eq!(total(&app, &ada, json!({ "search": "BETA" })).await, 2);
    // LIKE's wildcards in the search text are matched literally.
    assert_eq!(total(&app, &ada, json!({ "search": "100%" })).await, 2);
    assert_eq!(total(&app, &ada, json!({ "search": "a_p" })).await, 0);
    assert_eq!(total(&app, &ada, json!({ "status": "ARCHIVED" })).await, 0);

    let body = page(
        &app,
        &ada,
        json!({ "slug": ada.organization_slug, "first": 101 }),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("100"), "{message}");

    let bobs = page(
        &app,
        &bob,
        json!({ "slug": bob.organization_slug, "first": 1 }),
    )
    .await;
    let bob_cursor = bobs["data"]["organization"]["projects"]["pageInfo"]["endCursor"].clone();
    assert!(bob_cursor.is_string(), "{bobs}");
    let body = page(
        &app,
        &ada,
        json!({ "slug": ada.organization_slug, "after": bob_cursor }),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["after"]));
}

#[tokio::test]
async fn non_members_read_nothing_of_another_organization() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let ada_project = create_many(&app, &ada, 1, "Secret").await.remove(0);

    let query = r#"query($id: ID!, $slug: String!, $project: ID!) {
        byId: organization(id: $id) { id }
        bySlug: organization(slug: $slug) { id }
        project(id: $project) { id }
    }"#;
    let variables =
        json!({ "id": ada.organization_id, "slug": ada.organization_slug, "project": ada_project });
    let (_, body) = app
        .graphql(Some(&bob.token), query, variables.clone())
        .await;
    assert_eq!(
        body["data"],
        json!({ "byId": null, "bySlug": null, "project": null }),
        "{body}"
    );
    assert!(body.get("errors").is_none(), "{body}");
    // Exactly as for things that do not exist.
    let missing =
        json!({ "id": uuid::Uuid::new_v4(), "slug": "nope", "project": uuid::Uuid::new_v4() });
    let (_, unknown) = app.graphql(Some(&bob.token), query, missing).await;
    assert_eq!(unknown, body);

    let (_, body) = app.graphql(Some(&ada.token), query, variables).await;
    assert_eq!(body["data"]["byId"]["id"], ada.organization_global_id());
    assert_eq!(body["data"]["bySlug"]["id"], ada.organization_global_id());
    assert_eq!(body["data"]["project"]["id"], ada_project.as_str());

    // A member added later sees it, with their role.
    app.store
        .add_member(&ada.organization_slug, "bob@example.com", Role::Viewer)
        .await
        .unwrap();
    let (_, body) = app
        .graphql(
            Some(&bob.token),
            "{ viewer { organizations { slug personal viewerRole } } }",
            json!({}),
        )
        .await;
    let organizations = &body["data"]["viewer"]["organizations"];
    assert_eq!(
        organizations[0]["slug"],
        bob.organization_slug.as_str(),
        "{body}"
    );
    assert_eq!(
        organizations[1],
        json!({ "slug": ada.organization_slug, "personal": true, "viewerRole": "VIEWER" })
    );
}

#[tokio::test]
async fn audit_events_list_what_happened_newest_first_with_actor_and_project() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let ids = create_many(&app, &ada, 3, "Audited").await;
    let query = r#"query($slug: String!, $after: String) {
        organization(slug: $slug) {
            auditEvents(first: 2, after: $after) {
                totalCount
                pageInfo { hasNextPage endCursor }
                nodes { action actor { email } project { id } payload createdAt }
            }
        }
    }"#;
    let (_, first) = app
        .graphql(
            Some(&ada.token),
            query,
            json!({ "slug": ada.organization_slug }),
        )
        .await;
    let events = &first["data"]["organization"]["auditEvents"];
    assert_eq!(events["totalCount"], 3, "{first}");
    assert_eq!(events["pageInfo"]["hasNextPage"], true);
    let after = events["pageInfo"]["endCursor"].clone();
    let (_, second) = app
        .graphql(
            Some(&ada.token),
            query,
            json!({ "slug": ada.organization_slug, "after": after }),
        )
        .await;
    let nodes: Vec<&Value> = events["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(
            second["data"]["organization"]["auditEvents"]["nodes"]
                .as_array()
                .unwrap(),
        )
        .collect();
    let projects: Vec<&str> = nodes
        .iter()
        .map(|node| node["project"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        projects,
        [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]
    );
    for node in &nodes {
        assert_eq!(node["action"], "project.created");
        assert_eq!(node["actor"]["email"], "ada@example.com");
        assert!(
            node["payload"]["input"]["name"]
                .as_str()
                .unwrap()
                .starts_with("Audited")
        );
    }
}

#[tokio::test]
async fn create_organization_makes_the_caller_owner_on_the_free_plan() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let mutation = r#"mutation($input: CreateOrganizationInput!) {
        createOrganization(input: $input) {
            clientMutationId
            organization { id name slug plan maxProjects personal viewerRole projectMetadataSchema
                auditEvents(first: 5) { nodes { action actor { email } } } }
        }
    }"#;
    let schema = json!({ "type": "object", "required": ["team"] });
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            mutation,
            json!({ "input": { "name": "Acme Data", "projectMetadataSchema": schema, "clientMutationId": "o-1" } }),
        )
        .await;
    let payload = &body["data"]["createOrganization"];
    assert_eq!(payload["clientMutationId"], "o-1", "{body}");
    let organization = &payload["organization"];
    assert_eq!(organization["slug"], "acme-data");
    assert_eq!(organization["plan"], "FREE");
    assert_eq!(organization["maxProjects"], 10);
    assert_eq!(organization["personal"], false);
    assert_eq!(organization["viewerRole"], "OWNER");
    assert_eq!(organization["projectMetadataSchema"], schema);
    assert_eq!(
        organization["auditEvents"]["nodes"],
        json!([{ "action": "organization.created", "actor": { "email": "ada@example.com" } }])
    );

    // Its schema now applies to its projects.
    let body = app
        .create_project(
            &ada,
            json!({ "name": "Lake", "organizationId": organization["id"], "metadata": {} }),
        )
        .await;
    assert_eq!(error_codes(&body), ["METADATA_SCHEMA_VIOLATION"]);

    // Slugs are unique across organizations, whoever asks.
    let (_, body) = app
        .graphql(
            Some(&bob.token),
            mutation,
            json!({ "input": { "name": "Other", "slug": "acme-data" } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["SLUG_ALREADY_EXISTS"]);
    assert_eq!(
        body["errors"][0]["extensions"]["details"],
        json!({ "slug": "acme-data" })
    );
    let (_, body) = app
        .graphql(
            Some(&bob.token),
            mutation,
            json!({ "input": { "name": "Acme Data" } }),
        )
        .await;
    assert_eq!(
        body["data"]["createOrganization"]["organization"]["slug"], "acme-data-1",
        "{body}"
    );
    let (_, body) = app
        .graphql(
            Some(&bob.token),
            mutation,
            json!({ "input": { "name": "<b>", "slug": "Bad!", "projectMetadataSchema": { "type": 5 } } }),
        )
        .await;
    assert_eq!(
        error_codes(&body),
        ["INVALID_NAME", "INVALID_SLUG", "INVALID_METADATA_SCHEMA"]
    );
}

const WIDE_PAGE: &str = r#"
query Wide($slug: String!, $first: Int) {
  organization(slug: $slug) {
    projects(first: $first) {
      nodes {
        slug environments changeRequestEnvironments { name }
        organization { slug viewerRole }
        createdBy { email }
        members { role user { email } }
        membersCount
        dependencies { slug createdBy { email } }
      }
    }
  }
}"#;

#[tokio::test]
async fn a_page_of_100_costs_the_same_statements_as_a_page_of_5() {
    let app = crate::helpers::spawn_quiet_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, Plan::Pro)
        .await
        .unwrap();
    let first = create_many(&app, &ada, 1, "Base").await.remove(0);
    for i in 0..99 {
        let body = app
            .create_project(
                &ada,
                json!({ "name": format!("Wide {i:03}"), "dependencyIds": [first] }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }

    // The least of three per size: the loaders batch by timing, so on a
    // busy machine one batch may split in two.
    let mut statements = vec![u64::MAX; 2];
    for (at, size) in [5, 100, 5, 100, 5, 100].into_iter().enumerate() {
        let before = app.store.statement_count();
        let (_, body) = app
            .graphql(
                Some(&ada.token),
                WIDE_PAGE,
                json!({ "slug": ada.organization_slug, "first": size }),
            )
            .await;
        statements[at % 2] = statements[at % 2].min(app.store.statement_count() - before);
        let nodes = body["data"]["organization"]["projects"]["nodes"]
            .as_array()
            .unwrap();
        assert_eq!(nodes.len(), size, "{body}");
        let last = &nodes[size - 1];
        assert_eq!(last["createdBy"]["email"], "ada@example.com");
        assert_eq!(last["members"][0]["user"]["email"], "ada@example.com");
        assert_eq!(last["organization"]["viewerRole"], "OWNER");
        assert_eq!(last["dependencies"][0]["slug"], "base-000");
    }
    eprintln!("statements for a page of 5 and of 100: {statements:?}");
    assert_eq!(
        statements[0], statements[1],
        "statements for 5 vs 100: {statements:?}"
    );
    assert!(
        statements[1] <= 12,
        "a wide page should take a handful of statements: {statements:?}"
    );
}

/// The benchmark's read path: the token, the organization with the
/// caller's role (one read, handed to the loaders, so neither the
/// projects' `organization` nor the membership check reads it again), the
/// page, its environments, its creators; dependencies only when selected.
#[tokio::test]
async fn the_benchmark_page_takes_five_statements() {
    let app = crate::helpers::spawn_quiet_app().await;
    let ada = app.create_user("ada@example.com").await;
    create_many(&app, &ada, 3, "Page").await;
    let query = "query($slug: String!) { organization(slug: $slug) { projects(first: 50) \
                 { nodes { id slug name organization { slug } createdBy { email } environments } } } }";
    let mut least = u64::MAX;
    // The least of three: the pool's counter also sees background work.
    for _ in 0..3 {
        let before = app.store.statement_count();
        let (_, body) = app
            .graphql(
                Some(&ada.token),
                query,
                json!({ "slug": ada.organization_slug }),
            )
            .await;
        least = least.min(app.store.statement_count() - before);
        let nodes = body["data"]["organization"]["projects"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(nodes.len(), 3, "{body}");
        assert_eq!(
            nodes[0]["organization"]["slug"],
            ada.organization_slug.as_str()
        );
        assert_eq!(nodes[0]["createdBy"]["email"], "ada@example.com");
    }
    assert_eq!(least, 5);

    // Asked for, through `nodes` or `edges`, dependencies are there.
    let page = app
        .graphql(
            Some(&ada.token),
            "query($slug: String!) { organization(slug: $slug) { projects(first: 50) { nodes { slug } } } }",
            json!({ "slug": ada.organization_slug }),
        )
        .await
        .1;
    let base = page["data"]["organization"]["projects"]["nodes"][0]["slug"].clone();
    let base_id = app
        .store
        .projects_page(
            ada.organization_id.parse().unwrap(),
            &Default::default(),
            None,
            1,
            false,
        )
        .await
        .unwrap()
        .items[0]
        .id;
    let child = app
        .create_project(&ada, json!({ "name": "Child", "dependencyIds": [base_id] }))
        .await;
    assert!(child.get("errors").is_none(), "{child}");
    for selection in [
        "nodes { slug dependencies { slug } }",
        "edges { node { slug dependencies { slug } } }",
    ] {
        let (_, body) = app
            .graphql(
                Some(&ada.token),
                &format!(
                    "query($slug: String!) {{ organization(slug: $slug) {{ projects(first: 50) {{ {selection} }} }} }}"
                ),
                json!({ "slug": ada.organization_slug }),
            )
            .await;
        let text = body.to_string();
        assert!(
            text.contains(&format!(r#""dependencies":[{{"slug":{base}}}]"#)),
            "{selection}: {body}"
        );
    }

    // A stranger's same query: null, from the same one read.
    let stranger = app.create_user("stranger@example.com").await;
    let (_, body) = app
        .graphql(
            Some(&stranger.token),
            query,
            json!({ "slug": ada.organization_slug }),
        )
        .await;
    assert_eq!(body["data"]["organization"], Value::Null, "{body}");
}

#[tokio::test]
async fn a_created_project_is_read_at_once_on_every_pooled_connection() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for round in 0..10 {
        let created = app
            .create_project(&ada, json!({ "name": format!("Fresh {round}") }))
            .await;
        let id = crate::helpers::uuid_of(&project(&created)["id"]);
        // As many concurrent reads as the pool has connections, so every
        // connection, whatever its last statement was, reads the new row.
        let reads = futures::future::join_all((0..16).map(|_| app.store.project_by_id(id))).await;
        for (i, read) in reads.into_iter().enumerate() {
            let found = read.expect("the read runs");
            assert_eq!(
                found.map(|project| project.id),
                Some(id),
                "round {round}, read {i}"
            );
        }
    }
}
