package e2e

import (
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/socialomm/desktop/core/applog"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

// readLog is the data folder's log as written so far.
func readLog(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, applog.FileName))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// TestDataFolderIsPrivateAndClaimsDurable starts the real binary (daemon)
// on a data folder made beforehand as a umask of 022 leaves it (0755), and
// checks that every file SocialOmm made in it is the user's alone, and that
// the running store claims posts with synchronous=FULL on a WAL.
func TestDataFolderIsPrivateAndClaimsDurable(t *testing.T) {
	testbed.RequireSessionBus(t)
	testbed.StartKeyring(t)
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	c := &cliApp{bin: testbed.BuildBinary(t), dataDir: filepath.Join(t.TempDir(), "SocialOmm")}
	if err := os.Mkdir(c.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A desktop notification writes the app icon into the data folder
	// (shown or not: no notification server needs to answer).
	if p, _ := c.run(t, "notify", "test"); !strings.Contains(p.Stdout(), "Desktop notification") {
		t.Fatalf("notify test:\n%s", p.Output())
	}
	d := c.daemon(t, "daemon")
	// A write while it runs, so the WAL and its index exist.
	if p, code := c.run(t, "settings", "set", "schedule.grace_minutes", "45"); code != 0 {
		t.Fatalf("settings set: %d\n%s", code, p.Output())
	}

	line := ""
	poll(t, "the engine to log its store's durability", 30*time.Second, func() (bool, string) {
		for l := range strings.SplitSeq(readLog(t, c.dataDir), "\n") {
			if strings.Contains(l, "store durability") {
				line = l
			}
		}
		return line != "", "no such line yet"
	})
	if !strings.Contains(line, "journal_mode=wal") || !strings.Contains(line, "synchronous=2") {
		t.Fatalf("the running engine's store does not say journal_mode=wal synchronous=2 (FULL): %q", line)
	}
	t.Logf("daemon log: %s", line)

	check := func(when string) {
		seen := map[string]bool{}
		err := filepath.WalkDir(c.dataDir, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(c.dataDir, path)
			seen[rel] = true
			switch {
			case path == c.dataDir && fi.Mode().Perm() != 0o700:
				t.Errorf("%s: the data folder itself is %v, want drwx------ (it was made 0755 before the start)", when, fi.Mode().Perm())
			case path == c.dataDir:
			case fi.Mode()&fs.ModeSocket != 0:
				seen["(socket)"] = true
				if fi.Mode().Perm()&0o077 != 0 {
					t.Errorf("%s: socket %s is %v, want no access for others", when, rel, fi.Mode().Perm())
				}
			case fi.IsDir() && fi.Mode().Perm() != 0o700:
				t.Errorf("%s: folder %s is %v, want drwx------", when, rel, fi.Mode().Perm())
			case fi.Mode().IsRegular() && fi.Mode().Perm() != 0o600:
				t.Errorf("%s: file %s is %v, want -rw-------", when, rel, fi.Mode().Perm())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{store.FileName, store.FileName + "-wal", store.FileName + "-shm", applog.FileName, notify.IconFile, "(socket)"} {
			if !seen[want] {
				t.Errorf("%s: %s is missing from the data folder (%v)", when, want, seen)
			}
		}
	}
	check("while the daemon runs")
	d.Signal(t, syscall.SIGTERM)
	d.WaitExit(t, 15*time.Second)
}

// TestOutcomeWriteFailsOnceAgainstGoToSocial: the database refuses to
// record a published post once (a trigger, as a full disk or a lock past
// the busy timeout would); the running daemon keeps the outcome, writes it
// again, and the post ends published, exactly once on GoToSocial.
func TestOutcomeWriteFailsOnceAgainstGoToSocial(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	erin := connectUsers(t, c, gts, "erin")["erin"]

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(c.dataDir, store.FileName)+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE test_fail (fail INTEGER NOT NULL)`)
	exec(`INSERT INTO test_fail VALUES (1)`)
	exec(`CREATE TRIGGER test_fail_outcome BEFORE UPDATE OF state ON post_targets
		WHEN NEW.state = 'published' AND (SELECT fail FROM test_fail) = 1
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)

	d := c.daemon(t, "daemon")
	const text = "Out once although its outcome could not be written at first"
	post := c.schedule(t, time.Now(), text, erin)
	poll(t, "the daemon to fail writing the outcome", time.Minute, func() (bool, string) {
		return strings.Contains(readLog(t, c.dataDir), "could not store a post's outcome"), "no such line in the log yet"
	})
	exec(`UPDATE test_fail SET fail = 0`) // the disk has room again

	var got schedule.Target
	poll(t, "the target published", time.Minute, func() (bool, string) {
		p := findPost(c.posts(t), post.ID)
		if len(p.Targets) != 1 {
			return false, "no target"
		}
		got = p.Targets[0]
		return got.State == schedule.Published, fmt.Sprintf("%s %s", got.State, got.Error)
	})
	if got.RemoteID == "" || !strings.HasPrefix(got.URL, gts.URL()) {
		t.Fatalf("published without the server's id and link: %+v", got)
	}
	if n := serverStatuses(t, kr, erin)[text]; n != 1 {
		t.Fatalf("the post is on the server %d times, want once", n)
	}
	logText := readLog(t, c.dataDir)
	if !strings.Contains(logText, "stored a post's outcome that could not be written before") {
		t.Fatalf("the log does not say the outcome was stored on a later try:\n%s", logText)
	}
	for l := range strings.SplitSeq(logText, "\n") {
		if strings.Contains(l, "outcome") {
			t.Logf("daemon log: %s", l)
		}
	}
	d.Signal(t, syscall.SIGTERM)
	d.WaitExit(t, 15*time.Second)
	if n := serverStatuses(t, kr, erin)[text]; n != 1 {
		t.Fatalf("after the daemon stopped the post is on the server %d times, want once", n)
	}
}
