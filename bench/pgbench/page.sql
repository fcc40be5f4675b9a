-- The read path's reference: the SELECTs the server sends for
-- organization(slug:) { projects(first: 50) { nodes { id slug name
-- organization { slug } createdBy { email } environments } } } (captured
-- with log_statement=all), one statement per line as the server sends
-- them. The harness writes in the organization, its first page's 50
-- project ids ({{PAGE_IDS}}), its creator and the token.
SELECT "api_tokens"."id", "api_tokens"."user_id", "api_tokens"."token_hash", "api_tokens"."created_at", "api_tokens"."revoked_at" FROM "api_tokens" WHERE "api_tokens"."id" = '{{TOKEN_ID}}' AND "api_tokens"."revoked_at" IS NULL LIMIT 1;
SELECT o.*, (SELECT m.role FROM organization_members m WHERE m.organization_id = o.id AND m.user_id = '{{USER_ID}}') AS role FROM organizations o WHERE o.slug = '{{ORGANIZATION_SLUG}}' LIMIT 1;
SELECT "projects"."id", "projects"."organization_id", "projects"."name", "projects"."slug", "projects"."description", "projects"."status", "projects"."stage", "projects"."mode", "projects"."default_stickiness", "projects"."feature_limit", "projects"."is_public", "projects"."default_locale", "projects"."supported_locales", "projects"."default_platform", "projects"."supported_platforms", "projects"."thumbnail_url", "projects"."deployment_region", "projects"."deployment_runtime", "projects"."metadata", "projects"."created_by", "projects"."created_at", "projects"."updated_at", "projects"."deleted_at", "projects"."deleted_by" FROM "projects" WHERE "projects"."organization_id" = '{{ORGANIZATION_ID}}' AND "projects"."deleted_at" IS NULL ORDER BY "projects"."id" ASC LIMIT 51;
SELECT "project_environments"."organization_id", "project_environments"."project_id", "project_environments"."environment", "project_environments"."enabled", "project_environments"."change_requests_enabled", "project_environments"."required_approvals", "project_environments"."position" FROM "project_environments" WHERE "project_environments"."project_id" IN ({{PAGE_IDS}}) ORDER BY "project_environments"."position" ASC;
SELECT "users"."id", "users"."email", "users"."name", "users"."created_at" FROM "users" WHERE "users"."id" IN ('{{USER_ID}}');
