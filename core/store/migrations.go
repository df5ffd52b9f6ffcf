package store

// migrations are applied in order; migrations[i] takes the schema from
// version i to version i+1 (PRAGMA user_version). Never edit a released one:
// add a new one, and add its before/after case to the migration tests.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE accounts (
	id                 INTEGER PRIMARY KEY,
	network            TEXT    NOT NULL,
	instance           TEXT    NOT NULL DEFAULT '',
	remote_id          TEXT    NOT NULL,
	handle             TEXT    NOT NULL,
	display_name       TEXT    NOT NULL DEFAULT '',
	avatar_url         TEXT    NOT NULL DEFAULT '',
	profile_url        TEXT    NOT NULL DEFAULT '',
	state              TEXT    NOT NULL,
	reason             TEXT    NOT NULL DEFAULT '',
	expires_at         INTEGER,
	last_checked_at    INTEGER,
	last_good_check_at INTEGER,
	last_error         TEXT    NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	UNIQUE (network, instance, remote_id)
);
CREATE INDEX accounts_state ON accounts (state, expires_at);

CREATE TABLE posts (
	id           INTEGER PRIMARY KEY,
	text         TEXT    NOT NULL,
	scheduled_at INTEGER,
	draft        INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX posts_scheduled_at ON posts (scheduled_at);

CREATE TABLE post_targets (
	id              INTEGER PRIMARY KEY,
	post_id         INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	state           TEXT    NOT NULL,
	remote_id       TEXT    NOT NULL DEFAULT '',
	remote_url      TEXT    NOT NULL DEFAULT '',
	error           TEXT    NOT NULL DEFAULT '',
	attempts        INTEGER NOT NULL DEFAULT 0,
	due_at          INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (post_id, account_id)
);
CREATE INDEX post_targets_due ON post_targets (state, next_attempt_at);
CREATE INDEX post_targets_account ON post_targets (account_id, state);

CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	event_key       TEXT    NOT NULL,
	channel         TEXT    NOT NULL,
	subject         TEXT    NOT NULL,
	body_text       TEXT    NOT NULL,
	body_html       TEXT    NOT NULL DEFAULT '',
	state           TEXT    NOT NULL DEFAULT 'pending',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER,
	UNIQUE (event_key, channel)
);
CREATE INDEX outbox_pending ON outbox (state, next_attempt_at);

CREATE TABLE activity (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
	at         INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	message    TEXT    NOT NULL
);
CREATE INDEX activity_account ON activity (account_id, at);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`,
	// 2: app registrations per network server (Mastodon registers SocialOmm
	// once on each instance). The client secret lives in the keyring.
	`
CREATE TABLE network_apps (
	network      TEXT    NOT NULL,
	instance     TEXT    NOT NULL,
	client_id    TEXT    NOT NULL,
	redirect_uri TEXT    NOT NULL,
	scopes       TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (network, instance)
);
`,
	// 3: what the notification outbox needs to merge and explain its rows:
	// the event kind and its account, the batch it merges into ("loss" for
	// lost connections, so several lost together make one message), the
	// event itself (JSON, no secrets) to render a merged message from, and
	// when a row was claimed for sending (a claim left by a crash is taken
	// up again after a lease).
	`
ALTER TABLE outbox ADD COLUMN kind       TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN account_id INTEGER;
ALTER TABLE outbox ADD COLUMN batch      TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN event      TEXT    NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;
CREATE INDEX outbox_batch ON outbox (channel, batch, state);
CREATE INDEX outbox_account ON outbox (account_id, state);
`,
	// 4: the scheduler (core/schedule). hold_reason tells "account
	// disconnected" (released after Update) from "missed while SocialOmm was
	// closed" (waits for the person). verify_since is set when a send may
	// have gone out without an answer: before sending again the scheduler
	// looks for the post among the account's posts since then.
	// post_targets_runnable is the scheduler's queue: finding the next due
	// time, claiming due work in order and holding missed work are range
	// scans on it, however many targets were published before.
	// post_targets_remote finds which target a network post id belongs to.
	`
ALTER TABLE post_targets ADD COLUMN hold_reason  TEXT NOT NULL DEFAULT '';
ALTER TABLE post_targets ADD COLUMN verify_since INTEGER;
CREATE INDEX post_targets_runnable ON post_targets (next_attempt_at, due_at, id)
	WHERE state IN ('scheduled', 'retrying');
CREATE INDEX post_targets_remote ON post_targets (account_id, remote_id) WHERE remote_id <> '';
`,
	// 5: when an account entered its state (a lost connection's
	// notifications and reminders count from it), and when its access token
	// ends (refreshed ahead of that where the network allows).
	`
ALTER TABLE accounts ADD COLUMN state_since      INTEGER;
ALTER TABLE accounts ADD COLUMN token_expires_at INTEGER;
`,
	// 6: the Accounts window's order as an index, so its first screenful is
	// read without sorting every account, and the counts by state and
	// network from a narrow index.
	`
CREATE INDEX accounts_display_order ON accounts (
	(CASE state WHEN 'disconnected' THEN 0 WHEN 'expiring' THEN 1 ELSE 2 END),
	(expires_at IS NULL), expires_at, lower(display_name), id);
CREATE INDEX accounts_state_network ON accounts (state, network);
`,
	// 7: when the person last signed in to the account (connect or
	// Update); the lifespan counts from it. Until now it was read off the
	// activity log's words, so it is filled from them once: the newest
	// "Connected" or "Reconnected" line, else when the account was stored.
	`
ALTER TABLE accounts ADD COLUMN signed_in_at INTEGER;
UPDATE accounts SET signed_in_at = COALESCE(
	(SELECT max(at) FROM activity
		WHERE activity.account_id = accounts.id AND message IN ('Connected', 'Reconnected')),
	created_at);
`,
	// 8 (core/notify): webhook alert receivers. url is only the address's
	// scheme and host, for showing: the whole address (a Slack or Discord
	// one is itself a key) and the signing secret are one keyring item
	// (kind webhook-secret). events is a comma-separated list of kinds,
	// empty for all. Each webhook is its own outbox channel "webhook:<id>".
	`
CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY,
	kind       TEXT    NOT NULL,
	url        TEXT    NOT NULL,
	events     TEXT    NOT NULL DEFAULT '',
	signed     INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
`,
	// 9 (core/group): named groups of profiles to post to (core/group). A
	// profile removed from SocialOmm leaves its groups (ON DELETE CASCADE);
	// names are unique whatever their case.
	`
CREATE TABLE profile_groups (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX profile_groups_name ON profile_groups (lower(name));
CREATE TABLE profile_group_members (
	group_id   INTEGER NOT NULL REFERENCES profile_groups (id) ON DELETE CASCADE,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, account_id)
) WITHOUT ROWID;
CREATE INDEX profile_group_members_account ON profile_group_members (account_id);
`,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)
