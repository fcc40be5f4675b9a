-- The same write set as reference.sql in one round trip: one statement
-- (so one implicit transaction) that checks the token and the caller's
-- role, locks the organization, and writes the project, its slug, its
-- environments, its owner and its audit event. The unique index on (organization_id,
-- slug) is the slug check. This is the best SQL by hand the server is
-- measured against.
\set s random(1, 9223372036854775806)
WITH caller AS (
  SELECT user_id FROM api_tokens WHERE id = '{{TOKEN_ID}}' AND revoked_at IS NULL
), org AS (
  SELECT o.id FROM organizations o
  JOIN organization_members m ON m.organization_id = o.id
  WHERE o.id = '{{ORGANIZATION_ID}}' AND m.user_id = (SELECT user_id FROM caller)
    AND m.role IN ('OWNER', 'ADMIN', 'MEMBER')
  FOR UPDATE OF o
), p AS (
  INSERT INTO projects (id, organization_id, name, slug, description, status, stage, mode, default_stickiness, feature_limit, is_public, default_locale, supported_locales, default_platform, supported_platforms, thumbnail_url, deployment_region, deployment_runtime, metadata, created_by, created_at, updated_at)
  SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text), 1, 20))::uuid, org.id, 'Service fewest-' || :s, 'fewest-' || :s, 'A service created by the load test.', 'active', 'development', 'open', 'default', NULL, false, 'en-US', '["en-US", "de-DE"]', 'desktop', '["desktop", "mobile"]', NULL, NULL, NULL, '{"team": "platform", "tier": 1}', '{{USER_ID}}', now(), now()
  FROM org
  RETURNING id, organization_id, slug, created_by, created_at
), slug AS (
  INSERT INTO project_slugs (organization_id, slug, project_id, created_at)
  SELECT p.organization_id, p.slug, p.id, p.created_at FROM p
), environments AS (
  INSERT INTO project_environments (organization_id, project_id, environment, enabled, change_requests_enabled, required_approvals, position)
  SELECT p.organization_id, p.id, v.name, true, v.change_requests, v.approvals, v.position
  FROM p CROSS JOIN (VALUES ('development', false, NULL::int, 0), ('production', true, 2, 1)) AS v(name, change_requests, approvals, position)
), member AS (
  INSERT INTO project_members (organization_id, project_id, user_id, role, created_at)
  SELECT p.organization_id, p.id, p.created_by, 'OWNER', p.created_at FROM p
)
INSERT INTO audit_events (id, organization_id, actor_id, action, project_id, payload, created_at)
SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || substr(md5(random()::text), 1, 20))::uuid, p.organization_id, p.created_by, 'project.created', p.id, '{"input": {"mode": "open", "name": "Service", "slug": "fewest", "metadata": {"team": "platform", "tier": 1}, "settings": {"thumbnailUrl": null, "defaultLocale": "en-US", "defaultPlatform": "desktop", "supportedLocales": ["en-US", "de-DE"], "supportedPlatforms": ["desktop", "mobile"]}, "deployment": null, "description": "A service created by the load test.", "environments": ["development", "production"], "featureLimit": null, "dependencyIds": [], "organizationId": "{{ORGANIZATION_ID}}", "defaultStickiness": "default", "changeRequestEnvironments": [{"name": "production", "requiredApprovals": 2}]}}', p.created_at
FROM p;
