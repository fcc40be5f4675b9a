//! The GraphiQL playground, served from assets embedded in the binary so
//! that it works with no internet access. `scripts/fetch-graphiql.sh`
//! refreshes the assets from npm.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const GRAPHIQL_JS: &[u8] = include_bytes!("../../assets/graphiql/graphiql.min.js");
const GRAPHIQL_CSS: &[u8] = include_bytes!("../../assets/graphiql/graphiql.min.css");
const REACT_JS: &[u8] = include_bytes!("../../assets/graphiql/react.production.min.js");
const REACT_DOM_JS: &[u8] = include_bytes!("../../assets/graphiql/react-dom.production.min.js");

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>projects-api · GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script>
    const defaultQuery = `# The docs and autocomplete work without a token. To run the
# operations below, put your token in the Headers tab:
#   { "Authorization": "Bearer pat_…" }
# (create one with: projects-api admin create-user --email you@example.com)

query Catalogs {
  regions { code available }
  runtimes { code supported }
}

query MyProjects {
  viewer {
    email
    organizations {
      slug
      projects(first: 10) {
        totalCount
        nodes { id slug name status createdAt }
      }
    }
  }
}

mutation CreateProject {
  createProject(input: { name: "Product Documentation" }) {
    project { id slug name status stage environments createdAt }
  }
}
`;
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
        defaultQuery,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: true,
      }),
    );
  </script>
</body>
</html>
"#;

pub fn page() -> Response {
    Html(PAGE).into_response()
}

pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "graphiql.min.js" => (GRAPHIQL_JS, "text/javascript; charset=utf-8"),
        "graphiql.min.css" => (GRAPHIQL_CSS, "text/css; charset=utf-8"),
        "react.production.min.js" => (REACT_JS, "text/javascript; charset=utf-8"),
        "react-dom.production.min.js" => (REACT_DOM_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
