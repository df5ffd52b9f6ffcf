package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
)

var ctx = context.Background()

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(ctx, t.TempDir(), Options{Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenNewFileSetsPragmasAndLatestSchema(t *testing.T) {
	s := openTemp(t)
	if v, _ := s.Version(ctx); v != SchemaVersion {
		t.Fatalf("version = %d, want %d", v, SchemaVersion)
	}
	var mode string
	var fk, busy int
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	s.db.QueryRow("PRAGMA busy_timeout").Scan(&busy)
	if mode != "wal" || fk != 1 || busy < 1000 {
		t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d", mode, fk, busy)
	}
	for _, table := range []string{"accounts", "posts", "post_targets", "outbox", "activity", "settings", "network_apps"} {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
}

// TestMigrateFromEveryEarlierVersion builds a file at each earlier schema
// version with a row in it, then opens it and checks the row survived.
func TestMigrateFromEveryEarlierVersion(t *testing.T) {
	for from := 1; from < SchemaVersion; from++ {
		t.Run(fmt.Sprintf("from_v%d", from), func(t *testing.T) {
			dir := t.TempDir()
			raw, err := sql.Open("sqlite3", filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			for v := 0; v < from; v++ {
				if _, err := raw.Exec(migrations[v]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", from)); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(`INSERT INTO accounts (network, remote_id, handle, state, created_at, updated_at)
				VALUES ('mastodon', '42', '@ana@example.org', 'connected', 1, 1)`); err != nil {
				t.Fatal(err)
			}
			// An outbox row waiting to be sent (the outbox exists since v1).
			if _, err := raw.Exec(`INSERT INTO outbox (event_key, channel, subject, body_text, next_attempt_at, created_at)
				VALUES ('disconnected:1:100', 'email', 'Mastodon @ana disconnected', 'text', 100, 100)`); err != nil {
				t.Fatal(err)
			}
			raw.Close()

			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, _ := s.Version(ctx); v != SchemaVersion {
				t.Fatalf("version = %d", v)
			}
			list, err := s.Accounts(ctx)
			if err != nil || len(list) != 1 || list[0].Handle != "@ana@example.org" {
				t.Fatalf("accounts after migration = %+v, %v", list, err)
			}
			// v3 added the outbox's kind, account, batch, event and claim
			// columns; the waiting row keeps waiting, with empty new columns.
			var key, state, kind, batch, event string
			var acct, claimed sql.NullInt64
			if err := s.db.QueryRow(`SELECT event_key, state, kind, account_id, batch, event, claimed_at FROM outbox`).
				Scan(&key, &state, &kind, &acct, &batch, &event, &claimed); err != nil {
				t.Fatalf("outbox after migration: %v", err)
			}
			if key != "disconnected:1:100" || state != "pending" || kind != "" || acct.Valid || batch != "" || event != "" || claimed.Valid {
				t.Fatalf("outbox row after migration = %q %q %q %v %q %q %v", key, state, kind, acct, batch, event, claimed)
			}
		})
	}
}

// signedInAtVersion is the schema version that added accounts.signed_in_at.
const signedInAtVersion = 7

// TestMigrationFillsSignedInAt: a file from before signed_in_at gets it
// from the activity log's newest "Connected" or "Reconnected" line, and an
// account with no such line gets the time it was stored; other lines do
// not count.
func TestMigrationFillsSignedInAt(t *testing.T) {
	for from := 1; from < signedInAtVersion; from++ {
		t.Run(fmt.Sprintf("from_v%d", from), func(t *testing.T) {
			dir := t.TempDir()
			raw, err := sql.Open("sqlite3", filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			for v := 0; v < from; v++ {
				if _, err := raw.Exec(migrations[v]); err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range []string{
				fmt.Sprintf("PRAGMA user_version = %d", from),
				`INSERT INTO accounts (id, network, remote_id, handle, state, created_at, updated_at)
					VALUES (1, 'mastodon', '1', '@reconnected', 'connected', 100, 100),
					       (2, 'mastodon', '2', '@connected', 'connected', 200, 200),
					       (3, 'mastodon', '3', '@quiet', 'connected', 300, 300)`,
				`INSERT INTO activity (account_id, at, kind, message) VALUES
					(1, 100, 'connected', 'Connected'),
					(1, 500, 'connected', 'Reconnected'),
					(1, 900, 'expiring', 'Expiring: in 3 days'),
					(2, 250, 'connected', 'Connected'),
					(2, 950, 'released', '1 held post(s) released after reconnecting'),
					(3, 990, 'post_failed', 'Post 1 did not go out: boom')`,
			} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			raw.Close()

			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, tc := range []struct {
				id   int64
				want int64
			}{{1, 500}, {2, 250}, {3, 300}} {
				a, err := s.Account(ctx, tc.id)
				if err != nil {
					t.Fatal(err)
				}
				if a.SignedInAt == nil || a.SignedInAt.Unix() != tc.want {
					t.Errorf("account %d (%s): signed in at %v, want %d", tc.id, a.Handle, a.SignedInAt, tc.want)
				}
			}
		})
	}
}

// TestSaveAccountKeepsSignedInAt: the sign-in time is written and read
// back, on insert and on update.
func TestSaveAccountKeepsSignedInAt(t *testing.T) {
	s := openTemp(t)
	first := time.Unix(1_700_000_000, 0).UTC()
	a, err := s.SaveAccount(ctx, account.Account{Network: "mastodon", RemoteID: "1", Handle: "@a", State: account.Connected, SignedInAt: &first})
	if err != nil || a.SignedInAt == nil || !a.SignedInAt.Equal(first) {
		t.Fatalf("inserted: %v, %v", a.SignedInAt, err)
	}
	later := first.Add(48 * time.Hour)
	a.SignedInAt = &later
	a, err = s.SaveAccount(ctx, a)
	if err != nil || a.SignedInAt == nil || !a.SignedInAt.Equal(later) {
		t.Fatalf("updated: %v, %v", a.SignedInAt, err)
	}
}

func TestBadFilesAreReportedAndLeftUntouched(t *testing.T) {
	corrupt := func(t *testing.T, dir string) {
		s, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			s.LogActivity(ctx, 0, "filler", strings.Repeat("x", 500))
		}
		s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		s.Close()
		path := filepath.Join(dir, FileName)
		data, _ := os.ReadFile(path)
		// Keep the header, scribble over the page that holds the schema.
		for i := 100; i < len(data) && i < 8192; i++ {
			data[i] = 0xA5
		}
		os.WriteFile(path, data, 0o600)
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
	}
	newer := func(t *testing.T, dir string) {
		s, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+7))
		s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		s.Close()
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    error
		words   string
	}{
		{"text file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, FileName), []byte("these are my notes, not a database\n"), 0o600)
		}, ErrNotDatabase, "not a SocialOmm database"},
		{"short file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, FileName), []byte("SQL"), 0o600)
		}, ErrNotDatabase, "not a SocialOmm database"},
		{"corrupt database", corrupt, ErrCorrupt, "is damaged"},
		{"newer version", newer, ErrNewerVersion, "newer version of SocialOmm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.prepare(t, dir)
			path := filepath.Join(dir, FileName)
			before, _ := os.ReadFile(path)
			_, err := Open(ctx, dir, Options{})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, c.words) || !strings.Contains(msg, "left untouched") {
				t.Fatalf("message does not name the file and what to do: %s", msg)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Fatal("the file was changed")
			}
		})
	}
}

func TestSaveAccountNeverDuplicatesAProfile(t *testing.T) {
	s := openTemp(t)
	exp := time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC)
	a := account.Account{Network: "mastodon", Instance: "https://example.org", RemoteID: "7",
		Handle: "@ana@example.org", DisplayName: "Ana", State: account.Connected, ExpiresAt: &exp}
	first, err := s.SaveAccount(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	a.DisplayName = "Ana B."
	second, err := s.SaveAccount(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || second.DisplayName != "Ana B." {
		t.Fatalf("first=%+v second=%+v", first, second)
	}
	list, _ := s.Accounts(ctx)
	if len(list) != 1 {
		t.Fatalf("%d accounts, want 1", len(list))
	}
	if !list[0].ExpiresAt.Equal(exp) {
		t.Fatalf("expiry = %v", list[0].ExpiresAt)
	}
}

func TestAccountsSortThoseNeedingActionFirst(t *testing.T) {
	s := openTemp(t)
	mk := func(id string, st account.State, days int) {
		exp := time.Unix(1_800_000_000, 0).Add(time.Duration(days) * 24 * time.Hour)
		if _, err := s.SaveAccount(ctx, account.Account{Network: "mastodon", RemoteID: id, Handle: "@" + id,
			DisplayName: id, State: st, ExpiresAt: &exp}); err != nil {
			t.Fatal(err)
		}
	}
	mk("far", account.Connected, 80)
	mk("soon", account.Connected, 20)
	mk("lost", account.Disconnected, 5)
	mk("warn", account.Expiring, 3)
	list, _ := s.Accounts(ctx)
	var got []string
	for _, a := range list {
		got = append(got, a.RemoteID)
	}
	if strings.Join(got, ",") != "lost,warn,soon,far" {
		t.Fatalf("order = %v", got)
	}
}

func TestDeleteAccountKeepsItsActivityDetached(t *testing.T) {
	s := openTemp(t)
	a, _ := s.SaveAccount(ctx, account.Account{Network: "mastodon", RemoteID: "1", Handle: "@a", State: account.Connected})
	s.LogActivity(ctx, a.ID, "connected", "Connected")
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	log, _ := s.ActivityFor(ctx, 0, 10)
	if len(log) != 1 || log[0].AccountID != nil {
		t.Fatalf("activity = %+v", log)
	}
}

func TestSettingsAndNetworkApps(t *testing.T) {
	s := openTemp(t)
	if _, ok, _ := s.Setting(ctx, "lifespan.days"); ok {
		t.Fatal("unset setting reported as set")
	}
	s.SetSetting(ctx, "lifespan.days", "30")
	s.SetSetting(ctx, "lifespan.days", "45")
	if v, ok, _ := s.Setting(ctx, "lifespan.days"); !ok || v != "45" {
		t.Fatalf("setting = %q %v", v, ok)
	}
	if _, err := s.NetworkApp(ctx, "mastodon", "https://x"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	s.SaveNetworkApp(ctx, NetworkApp{Network: "mastodon", Instance: "https://x", ClientID: "cid", RedirectURI: "http://127.0.0.1/callback", Scopes: "read write"})
	app, err := s.NetworkApp(ctx, "mastodon", "https://x")
	if err != nil || app.ClientID != "cid" {
		t.Fatalf("app = %+v %v", app, err)
	}
}

// The first screenful and the counts are read by index: their cost does not
// grow with the number of accounts, and the head is the full list's start.
func TestAccountsHeadAndCountsByIndex(t *testing.T) {
	s := openTemp(t)
	states := []account.State{account.Connected, account.Expiring, account.Disconnected, account.Connected}
	networks := []string{"mastodon", "bluesky", "x"}
	for i := 0; i < 60; i++ {
		exp := time.Unix(1_800_000_000, 0).Add(time.Duration(i%17) * 24 * time.Hour)
		a := account.Account{Network: networks[i%3], RemoteID: fmt.Sprint(i), Handle: fmt.Sprint("@u", i),
			DisplayName: fmt.Sprint("User ", 60-i), State: states[i%4], ExpiresAt: &exp}
		if i%10 == 0 {
			a.ExpiresAt = nil
		}
		if _, err := s.SaveAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := s.Accounts(ctx)
	head, err := s.AccountsHead(ctx, 25)
	if err != nil || len(head) != 25 {
		t.Fatalf("head: %d, %v", len(head), err)
	}
	for i := range head {
		if head[i].ID != all[i].ID {
			t.Fatalf("head[%d] = %d, full list has %d there", i, head[i].ID, all[i].ID)
		}
	}
	c, err := s.CountAccounts(ctx)
	if err != nil || c.Total != 60 || c.ByState[account.Connected] != 30 || c.ByState[account.Expiring] != 15 ||
		c.ByState[account.Disconnected] != 15 || c.ByNetwork["x"] != 20 {
		t.Fatalf("counts = %+v, %v", c, err)
	}
	for _, q := range []struct{ name, sql string }{
		{"head", `SELECT ` + accountColumns + ` FROM accounts ` + displayOrder + ` LIMIT 25`},
		{"counts", `SELECT state, network, count(*) FROM accounts GROUP BY state, network`},
	} {
		rows, err := s.db.Query(`EXPLAIN QUERY PLAN ` + q.sql)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if !strings.Contains(joined, "INDEX") || strings.Contains(joined, "TEMP B-TREE") {
			t.Errorf("%s is not read by index: %s", q.name, joined)
		}
	}
}

// Every pooled connection runs with synchronous=FULL: a connection that
// would not is refused before use (checkDurable).
func TestEveryPooledConnectionIsSynchronousFull(t *testing.T) {
	s := openTemp(t)
	var conns []*sql.Conn
	for range 5 { // held at once, so the pool must open five
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var sync int
		if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != synchronousFull {
			t.Errorf("connection %d: synchronous = %d (%v), want %d (FULL)", i, sync, err, synchronousFull)
		}
		c.Close()
	}
	p, err := s.Pragmas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.JournalMode != "wal" || p.Synchronous != synchronousFull || p.CheckedConns < 5 {
		t.Fatalf("pragmas = %+v, want wal, 2 and at least 5 checked connections", p)
	}
}

// A burst of concurrent reads as wide as the health sweep's (eight checks
// at once) reuses the connections it opened: with database/sql's default
// of two idle connections, every round closed the others and opened them
// again, each reading the schema anew and losing its prepared statements.
func TestConcurrentBurstsReuseTheirConnections(t *testing.T) {
	s := openTemp(t)
	a, err := s.SaveAccount(ctx, account.Account{Network: "mastodon", Instance: "https://example.social", RemoteID: "1",
		Handle: "@a@example.social", State: account.Connected})
	if err != nil {
		t.Fatal(err)
	}
	round := func() {
		// Eight connections held at once, as eight checks hold them.
		var conns []*sql.Conn
		for range 8 {
			c, err := s.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			var id int64
			if err := c.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = ?`, a.ID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}
	}
	round()
	before, err := s.Pragmas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		round()
	}
	after, err := s.Pragmas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if opened := after.CheckedConns - before.CheckedConns; opened != 0 {
		t.Fatalf("five more bursts of eight opened %d new connections, want 0 (the first burst's stay open)", opened)
	}
}

// The database and its WAL and index are private to the user even when
// they were left readable by others before (umask 022, an older version).
func TestOpenMakesTheDatabaseFilesPrivate(t *testing.T) {
	cases := []struct {
		name     string
		existing []string // files present, mode 0644, before Open
	}{
		{"new folder", nil},
		{"database left 0644", []string{FileName}},
		{"database, wal and shm left 0644", []string{FileName, FileName + "-wal", FileName + "-shm"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range c.existing {
				if f == FileName {
					s, err := Open(ctx, dir, Options{})
					if err != nil {
						t.Fatal(err)
					}
					s.Close()
				} else if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// a write, so the WAL and its index exist
			if err := s.SetSetting(ctx, "probe", "1"); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
				fi, err := os.Stat(filepath.Join(dir, f))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s is %v, want -rw-------", f, fi.Mode().Perm())
				}
			}
		})
	}
}
