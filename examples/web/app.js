// The create-project form: one GraphQL mutation, every problem of the
// input shown at once next to its field (`extensions.field`).
//
// The API's address and a token come from the page's query string
// (`?api=http://127.0.0.1:8000&token=pat_…`) to keep the example short; a
// real app gets its token from its own sign-in. The API must allow this
// page's origin (CORS_ALLOWED_ORIGINS).
const params = new URLSearchParams(location.search);
const api = params.get("api") ?? "http://127.0.0.1:8000";
const token = params.get("token") ?? "";

const CREATE_PROJECT = `
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) { project { id slug status } }
  }`;

const form = document.getElementById("create");
const formErrors = document.getElementById("form-errors");
const result = document.getElementById("result");

function input() {
  const value = (name) => form.elements[name].value.trim();
  const input = { name: value("name") };
  if (value("slug")) input.slug = value("slug");
  if (value("description")) input.description = value("description");
  if (value("thumbnailUrl")) input.settings = { thumbnailUrl: value("thumbnailUrl") };
  if (value("region") || value("runtime")) {
    input.deployment = { region: value("region"), runtime: value("runtime") };
  }
  return input;
}

function clearErrors() {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  for (const field of form.querySelectorAll("[data-field]")) field.removeAttribute("aria-invalid");
  formErrors.replaceChildren();
  result.textContent = "";
}

function showError(error) {
  const path = (error.extensions?.field ?? []).join(".");
  const slot = path && form.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
  if (slot) {
    slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
    form.querySelector(`[data-field="${CSS.escape(path)}"]`)?.setAttribute("aria-invalid", "true");
  } else {
    const item = document.createElement("li");
    item.textContent = `${error.extensions?.code ?? "ERROR"}: ${error.message}`;
    formErrors.append(item);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  let body;
  try {
    const response = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json;q=0.9",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query: CREATE_PROJECT, variables: { input: input() } }),
    });
    body = await response.json();
  } catch (err) {
    showError({ message: `The API could not be reached (${err.message}).` });
    return;
  }
  for (const error of body.errors ?? []) showError(error);
  const project = body.data?.createProject?.project;
  if (project) {
    result.textContent = `Created ${project.slug} (${project.status}).`;
    form.reset();
  }
});
