-- Up Migration
-- The Authdesk team store, schema 1: one append-only audit trail for every agent's device.
-- Run by `authdesk team init` as the installing (owner) role through node-pg-migrate. See
-- docs/team-store.md for roles, grants and the threat model.

-- Two group roles (NOLOGIN). Each agent gets a login role that is a member of authdesk_agent
-- (`authdesk team add-agent`); security admins are members of authdesk_admin. Roles are
-- cluster-wide, hence IF NOT EXISTS: a second database on the same server reuses them.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authdesk_agent') THEN
    CREATE ROLE authdesk_agent NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authdesk_admin') THEN
    CREATE ROLE authdesk_admin NOLOGIN;
  END IF;
END
$roles$;

-- SECURITY: nobody but the owner sees into the schema unless granted below.
REVOKE ALL ON SCHEMA authdesk FROM PUBLIC;

-- Who installed and changed the schema, when (append-only like the entries).
CREATE TABLE authdesk.install_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  by_role name NOT NULL DEFAULT session_user,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- A device (one Authdesk data dir) belongs to the database role that first shipped from it.
CREATE TABLE authdesk.devices (
  device_id uuid PRIMARY KEY,
  db_role name NOT NULL,
  bound_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The team trail. team_seq is gap-free (assigned under a lock), server_ts never goes backwards,
-- and hash chains every entry to the one before (team_hash below).
CREATE TABLE authdesk.entries (
  team_seq bigint PRIMARY KEY,
  device_id uuid NOT NULL REFERENCES authdesk.devices (device_id),
  local_seq bigint NOT NULL,
  db_role name NOT NULL,
  server_ts timestamptz NOT NULL,
  -- The local entry exactly as written on the device (its canonical JSON line, without newline).
  entry_text text NOT NULL,
  local_hash text NOT NULL,
  -- Copied out of the entry for filtering (never trusted for identity: db_role is).
  local_ts timestamptz,
  action text,
  outcome text,
  user_id text,
  tenant_id text,
  ticket text,
  agent_label text,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  CONSTRAINT entries_device_local_seq UNIQUE (device_id, local_seq)
);
CREATE INDEX entries_role_seq ON authdesk.entries (db_role, team_seq);
CREATE INDEX entries_user_seq ON authdesk.entries (user_id, team_seq) WHERE user_id IS NOT NULL;
CREATE INDEX entries_ticket_seq ON authdesk.entries (ticket, team_seq) WHERE ticket IS NOT NULL;
CREATE INDEX entries_server_ts ON authdesk.entries (server_ts);

-- The team policy (read by the next issue's policy layer): append-only history, newest wins.
CREATE TABLE authdesk.policy (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  policy jsonb NOT NULL,
  set_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  set_by name NOT NULL DEFAULT session_user
);

-- Triggers refuse UPDATE, DELETE and TRUNCATE on every table of the trail, even for the owner's
-- ordinary use (the owner could still drop a trigger: that is DDL, and docs/team-store.md says so).
CREATE FUNCTION authdesk.refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RAISE EXCEPTION 'authdesk.% is append-only: % is refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = '42501', HINT = 'The team audit trail cannot be changed or emptied, only appended to.';
END
$fn$;

DO $triggers$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['entries', 'devices', 'install_log', 'policy'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON authdesk.%I FOR EACH ROW EXECUTE FUNCTION authdesk.refuse_change()', t || '_no_change', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON authdesk.%I FOR EACH STATEMENT EXECUTE FUNCTION authdesk.refuse_change()', t || '_no_truncate', t);
  END LOOP;
END
$triggers$;

-- The team chain: SHA-256 over the previous hash and every field the store assigned or holds,
-- one per line. Authdesk recomputes it in Node when it verifies (src/main/services/audit/team/chain.ts).
CREATE FUNCTION authdesk.team_hash(p_prev text, p_team_seq bigint, p_device uuid, p_local_seq bigint, p_role name, p_ts timestamptz, p_text text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT encode(sha256(convert_to(concat_ws(E'\n', p_prev, p_team_seq::text, p_device::text, p_local_seq::text, p_role::text,
    ((extract(epoch FROM p_ts) * 1000000)::bigint)::text, p_text), 'UTF8')), 'hex')
$fn$;

-- The device is bound to the calling role on first use; another role's device is refused.
CREATE FUNCTION authdesk.own_device(p_device uuid, p_bind boolean) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_role name;
BEGIN
  IF p_device IS NULL THEN
    RAISE EXCEPTION 'a device id is required' USING ERRCODE = '22023';
  END IF;
  SELECT d.db_role INTO v_role FROM authdesk.devices d WHERE d.device_id = p_device;
  IF NOT FOUND THEN
    IF p_bind THEN
      INSERT INTO authdesk.devices (device_id, db_role) VALUES (p_device, session_user);
      RETURN true;
    END IF;
    RETURN false;
  END IF;
  IF v_role <> session_user THEN
    -- SECURITY: one role cannot write to, or read, another role's device.
    RAISE EXCEPTION 'device % belongs to another database role', p_device
      USING ERRCODE = '42501', HINT = 'Each agent ships only from its own devices.';
  END IF;
  RETURN true;
END
$fn$;

-- The only way in. SECURITY DEFINER: runs with the owner's rights, so agents need no table
-- privilege at all; it assigns team_seq, server time and the role (session_user: the role that
-- logged in, which SET ROLE cannot change), checks the device's local chain continues, and is
-- idempotent on (device, local seq): a retried batch returns what was stored the first time.
CREATE FUNCTION authdesk.append_entries(p_device uuid, p_entries text[])
RETURNS TABLE (r_local_seq bigint, r_team_seq bigint, r_hash text, r_duplicate boolean)
LANGUAGE plpgsql
SECURITY DEFINER
-- SECURITY: a fixed search_path, so a caller cannot shadow a function or operator the body uses.
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v_role name := session_user;
  v_text text;
  v_json jsonb;
  v_lseq bigint;
  v_last_lseq bigint;
  v_last_lhash text;
  v_head_seq bigint;
  v_head_hash text;
  v_head_ts timestamptz;
  v_old_text text;
  v_old_seq bigint;
  v_old_hash text;
  v_ts timestamptz;
  v_hash text;
  v_local_ts timestamptz;
BEGIN
  IF coalesce(array_length(p_entries, 1), 0) > 1000 THEN
    RAISE EXCEPTION 'at most 1000 entries per call' USING ERRCODE = '54000';
  END IF;
  -- One writer at a time for the whole team: gap-free team_seq and one chain.
  PERFORM pg_advisory_xact_lock(7424115170093201);
  PERFORM authdesk.own_device(p_device, true);
  SELECT e.local_seq, e.local_hash INTO v_last_lseq, v_last_lhash
    FROM authdesk.entries e WHERE e.device_id = p_device ORDER BY e.local_seq DESC LIMIT 1;
  v_last_lseq := coalesce(v_last_lseq, 0);
  SELECT e.team_seq, e.hash, e.server_ts INTO v_head_seq, v_head_hash, v_head_ts
    FROM authdesk.entries e ORDER BY e.team_seq DESC LIMIT 1;
  v_head_seq := coalesce(v_head_seq, 0);
  v_head_hash := coalesce(v_head_hash, repeat('0', 64));
  FOREACH v_text IN ARRAY coalesce(p_entries, ARRAY[]::text[]) LOOP
    IF v_text IS NULL OR length(v_text) > 65536 THEN
      RAISE EXCEPTION 'an entry is missing or longer than 64 KiB' USING ERRCODE = '22023';
    END IF;
    BEGIN
      v_json := v_text::jsonb;
      v_lseq := (v_json ->> 'seq')::bigint;
      v_local_ts := (v_json ->> 'ts')::timestamptz;
    EXCEPTION WHEN others THEN
      RAISE EXCEPTION 'an entry is not an Authdesk audit entry' USING ERRCODE = '22023';
    END;
    IF v_lseq IS NULL OR (v_json ->> 'hash') IS NULL OR (v_json ->> 'prevHash') IS NULL THEN
      RAISE EXCEPTION 'an entry is not an Authdesk audit entry (seq, hash, prevHash)' USING ERRCODE = '22023';
    END IF;
    IF v_lseq <= v_last_lseq THEN
      SELECT e.entry_text, e.team_seq, e.hash INTO v_old_text, v_old_seq, v_old_hash
        FROM authdesk.entries e WHERE e.device_id = p_device AND e.local_seq = v_lseq;
      IF v_old_text IS DISTINCT FROM v_text THEN
        RAISE EXCEPTION 'local entry % differs from the one this device already shipped', v_lseq
          USING ERRCODE = '23505', HINT = 'The local audit log was changed after it was shipped: run authdesk audit verify --team.';
      END IF;
      RETURN QUERY SELECT v_lseq, v_old_seq, v_old_hash, true;
      CONTINUE;
    END IF;
    IF v_lseq <> v_last_lseq + 1 THEN
      RAISE EXCEPTION 'local entry % arrived but % was expected next from this device', v_lseq, v_last_lseq + 1
        USING ERRCODE = '22000', HINT = 'Entries are shipped in order, with no gaps.';
    END IF;
    IF v_json ->> 'prevHash' <> coalesce(v_last_lhash, repeat('0', 64)) THEN
      RAISE EXCEPTION 'local entry % does not continue the chain this device shipped', v_lseq
        USING ERRCODE = '22000', HINT = 'The local audit log was changed after it was shipped: run authdesk audit verify --team.';
    END IF;
    -- Server time, never earlier than the entry before: time order is team order.
    v_ts := greatest(clock_timestamp(), v_head_ts);
    v_head_seq := v_head_seq + 1;
    v_hash := authdesk.team_hash(v_head_hash, v_head_seq, p_device, v_lseq, v_role, v_ts, v_text);
    INSERT INTO authdesk.entries (team_seq, device_id, local_seq, db_role, server_ts, entry_text, local_hash, local_ts,
      action, outcome, user_id, tenant_id, ticket, agent_label, prev_hash, hash)
    VALUES (v_head_seq, p_device, v_lseq, v_role, v_ts, v_text, v_json ->> 'hash', v_local_ts,
      v_json ->> 'action', v_json ->> 'outcome', v_json -> 'subject' ->> 'userId', v_json -> 'tenant' ->> 'id',
      v_json -> 'details' ->> 'ticket', v_json -> 'actor' ->> 'agentName', v_head_hash, v_hash);
    v_head_hash := v_hash;
    v_head_ts := v_ts;
    v_last_lseq := v_lseq;
    v_last_lhash := v_json ->> 'hash';
    RETURN QUERY SELECT v_lseq, v_head_seq, v_hash, false;
  END LOOP;
END
$fn$;

-- What the store holds for one of the caller's own devices: where shipping resumes.
CREATE FUNCTION authdesk.device_head(p_device uuid)
RETURNS TABLE (r_local_seq bigint, r_local_hash text, r_count bigint)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NOT authdesk.own_device(p_device, false) THEN
    RETURN QUERY SELECT 0::bigint, repeat('0', 64), 0::bigint;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT coalesce(max(e.local_seq), 0)::bigint,
      coalesce((SELECT e2.local_hash FROM authdesk.entries e2 WHERE e2.device_id = p_device ORDER BY e2.local_seq DESC LIMIT 1), repeat('0', 64)),
      count(*)::bigint
    FROM authdesk.entries e WHERE e.device_id = p_device;
END
$fn$;

-- The caller's own device's entries, in local order, a page at a time (for audit verify --team).
CREATE FUNCTION authdesk.device_entries(p_device uuid, p_after bigint, p_limit integer)
RETURNS TABLE (r_local_seq bigint, r_entry_text text, r_team_seq bigint, r_server_ts timestamptz, r_hash text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NOT authdesk.own_device(p_device, false) THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT e.local_seq, e.entry_text, e.team_seq, e.server_ts, e.hash FROM authdesk.entries e
    WHERE e.device_id = p_device AND e.local_seq > p_after
    ORDER BY e.local_seq LIMIT least(greatest(p_limit, 1), 5000);
END
$fn$;

-- The team chain head (sequence and hash): no entry content, so every member may read it.
CREATE FUNCTION authdesk.team_head()
RETURNS TABLE (r_team_seq bigint, r_hash text)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT coalesce(max(e.team_seq), 0)::bigint,
    coalesce((SELECT e2.hash FROM authdesk.entries e2 ORDER BY e2.team_seq DESC LIMIT 1), repeat('0', 64))
  FROM authdesk.entries e
$fn$;

-- The team policy in force (null when none was ever set).
CREATE FUNCTION authdesk.get_policy()
RETURNS TABLE (r_policy jsonb, r_set_at timestamptz, r_set_by name)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT p.policy, p.set_at, p.set_by FROM authdesk.policy p ORDER BY p.id DESC LIMIT 1
$fn$;

-- Sets the team policy (a new row: the history stays). Admins only (see the grants).
CREATE FUNCTION authdesk.set_policy(p_policy jsonb)
RETURNS TABLE (r_set_at timestamptz, r_set_by name)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF p_policy IS NULL OR jsonb_typeof(p_policy) <> 'object' THEN
    RAISE EXCEPTION 'the policy must be a JSON object' USING ERRCODE = '22023';
  END IF;
  RETURN QUERY INSERT INTO authdesk.policy (policy) VALUES (p_policy) RETURNING set_at, set_by;
END
$fn$;

-- Who the caller is, as the store sees it.
CREATE FUNCTION authdesk.whoami()
RETURNS TABLE (r_role name, r_agent boolean, r_admin boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT session_user, pg_has_role(session_user, 'authdesk_agent', 'MEMBER'), pg_has_role(session_user, 'authdesk_admin', 'MEMBER')
$fn$;

-- Grants. SECURITY: functions are executable by PUBLIC by default; take that away first.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA authdesk FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA authdesk FROM PUBLIC;
GRANT USAGE ON SCHEMA authdesk TO authdesk_agent, authdesk_admin;
-- Agents: append, their own devices, the head, the policy. No table privilege of any kind.
GRANT EXECUTE ON FUNCTION authdesk.append_entries(uuid, text[]), authdesk.device_head(uuid),
  authdesk.device_entries(uuid, bigint, integer), authdesk.team_head(), authdesk.get_policy(), authdesk.whoami()
  TO authdesk_agent;
-- Admins: read everything, set the policy. Still no INSERT, UPDATE, DELETE or TRUNCATE.
GRANT SELECT ON authdesk.entries, authdesk.devices, authdesk.install_log, authdesk.policy TO authdesk_admin;
GRANT EXECUTE ON FUNCTION authdesk.team_head(), authdesk.get_policy(), authdesk.set_policy(jsonb), authdesk.whoami(),
  authdesk.team_hash(text, bigint, uuid, bigint, name, timestamptz, text) TO authdesk_admin;

INSERT INTO authdesk.install_log (action, detail) VALUES ('schema', '{"migration": "0001_team-store"}'::jsonb);
