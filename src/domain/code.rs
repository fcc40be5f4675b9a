//! Every error code the server answers with, in one table: its name (the
//! contract of DESIGN.md), the HTTP status a door answers it with when the
//! door has no status of its own, and whether retrying the same request
//! may succeed.

use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $status:literal, $retry:literal;)*) => {
        /// An error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order of the table.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as clients see it (`SLUG_ALREADY_EXISTS`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The HTTP status a door answers with, by default.
            pub fn http_status(self) -> u16 {
                match self {
                    $(Code::$variant => $status,)*
                }
            }

            /// Whether the same request, sent again later, may succeed.
            pub fn retryable(self) -> bool {
                match self {
                    $(Code::$variant => $retry,)*
                }
            }
        }
    };
}

codes! {
    // Authentication and access.
    Unauthenticated = "UNAUTHENTICATED", 401, false;
    Forbidden = "FORBIDDEN", 403, false;
    OrganizationNotFound = "ORGANIZATION_NOT_FOUND", 404, false;
    NotFound = "NOT_FOUND", 404, false;
    // Input rules of createProject and createOrganization.
    BadUserInput = "BAD_USER_INPUT", 400, false;
    InvalidName = "INVALID_NAME", 422, false;
    InvalidSlug = "INVALID_SLUG", 422, false;
    InvalidDescription = "INVALID_DESCRIPTION", 422, false;
    InvalidLocale = "INVALID_LOCALE", 422, false;
    DefaultLocaleNotSupported = "DEFAULT_LOCALE_NOT_SUPPORTED", 422, false;
    DefaultPlatformNotSupported = "DEFAULT_PLATFORM_NOT_SUPPORTED", 422, false;
    InvalidUrl = "INVALID_URL", 422, false;
    UnsupportedRegion = "UNSUPPORTED_REGION", 422, false;
    UnsupportedRuntime = "UNSUPPORTED_RUNTIME", 422, false;
    InvalidStickiness = "INVALID_STICKINESS", 422, false;
    InvalidFeatureLimit = "INVALID_FEATURE_LIMIT", 422, false;
    EnvironmentsEmpty = "ENVIRONMENTS_EMPTY", 422, false;
    UnknownEnvironment = "UNKNOWN_ENVIRONMENT", 422, false;
    InvalidMetadata = "INVALID_METADATA", 422, false;
    InvalidMetadataSchema = "INVALID_METADATA_SCHEMA", 422, false;
    // The organization's rules.
    SlugAlreadyExists = "SLUG_ALREADY_EXISTS", 409, false;
    DependencyNotFound = "DEPENDENCY_NOT_FOUND", 422, false;
    MetadataSchemaViolation = "METADATA_SCHEMA_VIOLATION", 422, false;
    MaxProjectsReached = "MAX_PROJECTS_REACHED", 403, false;
    MaxOrganizationsReached = "MAX_ORGANIZATIONS_REACHED", 403, false;
    DependencyCycle = "DEPENDENCY_CYCLE", 422, false;
    // The lifecycle of a project, and members.
    ProjectNotFound = "PROJECT_NOT_FOUND", 404, false;
    StaleProject = "STALE_PROJECT", 409, false;
    ProjectArchived = "PROJECT_ARCHIVED", 409, false;
    ConfirmationMismatch = "CONFIRMATION_MISMATCH", 422, false;
    ProjectHasDependants = "PROJECT_HAS_DEPENDANTS", 409, false;
    UserNotFound = "USER_NOT_FOUND", 404, false;
    UserNotInOrganization = "USER_NOT_IN_ORGANIZATION", 422, false;
    AlreadyAMember = "ALREADY_A_MEMBER", 409, false;
    MemberNotFound = "MEMBER_NOT_FOUND", 404, false;
    LastOwner = "LAST_OWNER", 409, false;
    // Webhooks.
    /// Not an http(s) URL, one with credentials, or (unless
    /// `WEBHOOK_ALLOW_PRIVATE`) one naming a non-public address.
    InvalidWebhookUrl = "INVALID_WEBHOOK_URL", 422, false;
    WebhookNotFound = "WEBHOOK_NOT_FOUND", 404, false;
    MaxWebhooksReached = "MAX_WEBHOOKS_REACHED", 403, false;
    // The request as a whole.
    BadRequest = "BAD_REQUEST", 400, false;
    GraphqlParseFailed = "GRAPHQL_PARSE_FAILED", 400, false;
    GraphqlValidationFailed = "GRAPHQL_VALIDATION_FAILED", 400, false;
    OperationResolutionFailure = "OPERATION_RESOLUTION_FAILURE", 400, false;
    QueryTooExpensive = "QUERY_TOO_EXPENSIVE", 400, false;
    /// Too many subscriptions open at once on one WebSocket connection,
    /// or WebSocket connections on one token.
    TooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS", 429, true;
    /// A persisted-query hash the server does not know: send the document
    /// with it (Apollo's automatic persisted queries do).
    PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND", 400, false;
    /// A document that is not a trusted document, with
    /// `TRUSTED_DOCUMENTS_ONLY` on.
    PersistedQueryNotInList = "PERSISTED_QUERY_NOT_IN_LIST", 400, false;
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", 415, false;
    MethodNotAllowed = "METHOD_NOT_ALLOWED", 405, false;
    NotAcceptable = "NOT_ACCEPTABLE", 406, false;
    PayloadTooLarge = "PAYLOAD_TOO_LARGE", 413, false;
    RequestTimeout = "REQUEST_TIMEOUT", 408, true;
    RateLimited = "RATE_LIMITED", 429, true;
    IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED", 422, false;
    IdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE", 409, true;
    TooManyIdempotencyKeys = "TOO_MANY_IDEMPOTENCY_KEYS", 429, true;
    // The server.
    ServiceUnavailable = "SERVICE_UNAVAILABLE", 503, true;
    InternalServerError = "INTERNAL_SERVER_ERROR", 500, true;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{name}"
            );
            assert!((400..600).contains(&code.http_status()), "{name}");
        }
    }
}
