-- The reference: the statements the server sent for one createProject
-- before the performance work (captured with log_statement=all on
-- PostgreSQL 15, commit e0027c1), in the same order, with the same
-- columns. Kept fixed: every later figure is a ratio against this one.
-- The harness writes each benchmark organization's ids into a copy
-- ({{ORGANIZATION_ID}}, {{USER_ID}}, {{TOKEN_ID}}). Ids are time-ordered
-- like the server's UUIDv7; slugs are random, so never taken.
\set s random(1, 9223372036854775806)
SELECT "api_tokens"."id", "api_tokens"."user_id", "api_tokens"."token_hash", "api_tokens"."created_at", "api_tokens"."revoked_at" FROM "api_tokens" WHERE "api_tokens"."id" = '{{TOKEN_ID}}' AND "api_tokens"."revoked_at" IS NULL LIMIT 1;
SELECT "environments"."name", "environments"."kind", "environments"."deprecated", "environments"."position" FROM "environments" ORDER BY "environments"."position" ASC;
SELECT "runtimes"."code", "runtimes"."name", "runtimes"."supported", "runtimes"."position" FROM "runtimes" ORDER BY "runtimes"."position" ASC;
SELECT "regions"."code", "regions"."name", "regions"."available", "regions"."position" FROM "regions" ORDER BY "regions"."position" ASC;
BEGIN;
SELECT "organizations"."id", "organizations"."name", "organizations"."slug", "organizations"."plan", "organizations"."personal_owner_id", "organizations"."project_metadata_schema", "organizations"."created_at", "organizations"."updated_at" FROM "organizations" WHERE "organizations"."id" = '{{ORGANIZATION_ID}}' LIMIT 1 FOR UPDATE;
SELECT "organization_members"."role" FROM "organization_members" WHERE "organization_members"."organization_id" = '{{ORGANIZATION_ID}}' AND "organization_members"."user_id" = '{{USER_ID}}' LIMIT 1;
SELECT "projects"."slug" FROM "projects" WHERE "projects"."organization_id" = '{{ORGANIZATION_ID}}' AND "projects"."slug" = 'ref-' || :s;
INSERT INTO "projects" ("id", "organization_id", "name", "slug", "description", "status", "stage", "mode", "default_stickiness", "feature_limit", "is_public", "default_locale", "supported_locales", "default_platform", "supported_platforms", "thumbnail_url", "deployment_region", "deployment_runtime", "metadata", "created_by", "created_at", "updated_at") VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text), 1, 20))::uuid, '{{ORGANIZATION_ID}}', 'Service ref-' || :s, 'ref-' || :s, 'A service created by the load test.', 'active', 'development', 'open', 'default', NULL, false, 'en-US', '["en-US", "de-DE"]', 'desktop', '["desktop", "mobile"]', NULL, NULL, NULL, '{"team": "platform", "tier": 1}', '{{USER_ID}}', now(), now()) RETURNING "id" AS project_id \gset
INSERT INTO "project_environments" ("organization_id", "project_id", "environment", "enabled", "change_requests_enabled", "required_approvals", "position") VALUES ('{{ORGANIZATION_ID}}', :project_id, 'development', true, false, NULL, 0), ('{{ORGANIZATION_ID}}', :project_id, 'production', true, true, 2, 1);
INSERT INTO "project_members" ("organization_id", "project_id", "user_id", "role", "created_at") VALUES ('{{ORGANIZATION_ID}}', :project_id, '{{USER_ID}}', 'OWNER', now());
INSERT INTO "audit_events" ("id", "organization_id", "actor_id", "action", "project_id", "payload", "created_at") VALUES ((lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text), 1, 20))::uuid, '{{ORGANIZATION_ID}}', '{{USER_ID}}', 'project.created', :project_id, '{"input": {"mode": "open", "name": "Service", "slug": "ref", "metadata": {"team": "platform", "tier": 1}, "settings": {"thumbnailUrl": null, "defaultLocale": "en-US", "defaultPlatform": "desktop", "supportedLocales": ["en-US", "de-DE"], "supportedPlatforms": ["desktop", "mobile"]}, "deployment": null, "description": "A service created by the load test.", "environments": ["development", "production"], "featureLimit": null, "dependencyIds": [], "organizationId": "{{ORGANIZATION_ID}}", "defaultStickiness": "default", "changeRequestEnvironments": [{"name": "production", "requiredApprovals": 2}]}}', now());
COMMIT;
