// Package store keeps SocialOmm's data in one SQLite file and its schema.
// Its own queries are the accounts, the activity log, settings and app
// registrations; the packages that own the other tables query them
// themselves through DB: posts and their targets in core/schedule, the
// notification outbox in core/notify. Secrets are never stored here.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// FileName is the database's name inside the data directory.
const FileName = "socialomm.db"

var (
	// ErrNotDatabase: the file exists but is not an SQLite database.
	ErrNotDatabase = errors.New("not a SocialOmm database")
	// ErrCorrupt: the file is an SQLite database that fails its integrity check.
	ErrCorrupt = errors.New("database is damaged")
	// ErrNewerVersion: the file was written by a newer SocialOmm.
	ErrNewerVersion = errors.New("database is from a newer SocialOmm")
	// ErrNotFound: no such row.
	ErrNotFound = errors.New("not found")
)

// FileError names the file and says what to do; it wraps one of the errors
// above. The file is never changed when one is returned.
type FileError struct {
	Path   string
	Err    error
	Detail string
}

func (e *FileError) Error() string {
	switch {
	case errors.Is(e.Err, ErrNewerVersion):
		return fmt.Sprintf("%s was written by a newer version of SocialOmm (%s). "+
			"Install that version again, or start with --data-dir pointing to another folder. The file was left untouched.", e.Path, e.Detail)
	case errors.Is(e.Err, ErrCorrupt):
		return fmt.Sprintf("%s is damaged (%s). Restore it from a backup, or move it aside and start again "+
			"(you will need to reconnect your profiles). The file was left untouched.", e.Path, e.Detail)
	default:
		return fmt.Sprintf("%s is not a SocialOmm database (%s). Move it aside, or start with --data-dir "+
			"pointing to another folder. The file was left untouched.", e.Path, e.Detail)
	}
}

func (e *FileError) Unwrap() error { return e.Err }

// Store is the open database.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
	// durableConns counts the pooled connections verified to run with
	// synchronous=FULL (each one is, or it is refused).
	durableConns atomic.Int64
}

// Options tune Open.
type Options struct {
	// Now is the clock used for created/updated stamps. Defaults to time.Now.
	Now func() time.Time
}

var sqliteHeader = []byte("SQLite format 3\x00")

// Open opens (creating if needed) the database in dir and brings its schema up
// to date. A file that is not a database, is damaged, or is from a newer
// version is reported with a *FileError and left exactly as it was.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	// SQLite gives the -wal and -shm files the database file's mode, so the
	// database is made (or made again) private before SQLite opens it.
	if err := makePrivate(path, true); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	// Each pooled connection keeps its prepared statements: the sweep's
	// per-account queries were prepared again every time, a third of the
	// offline sweep's CPU.
	q.Set("_stmt_cache_size", "64")
	// FULL, not NORMAL: in WAL mode NORMAL skips the fsync at each commit,
	// so a power cut may roll back a committed transaction. A `publishing`
	// claim of a post that already went out would then vanish, and the post
	// would go out again. Posts are few; an fsync per commit costs nothing
	// a person notices.
	q.Set("_synchronous", "FULL")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	s := &Store{path: path, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	drv := &sqlite3.SQLiteDriver{ConnectHook: s.checkDurable}
	s.db = sql.OpenDB(connector{drv: drv, dsn: dsn})
	s.db.SetMaxIdleConns(maxIdleConns)
	if err := s.init(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	// The first write made the WAL and its index; they must be private too
	// whatever they were left as before.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := makePrivate(p, false); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	return s, nil
}

// connector opens connections through drv (with its ConnectHook) without
// registering a driver name for the whole process.
type connector struct {
	drv *sqlite3.SQLiteDriver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// maxIdleConns is how many pooled connections stay open between uses.
// database/sql keeps 2; the health sweep's eight checks, the window's
// reloads and the scheduler use more at once, and each connection past two
// was closed after its query and opened again for the next: 15 to 37 opens
// in one offline sweep of 5,000, each reading the schema again with an
// empty page cache.
const maxIdleConns = 12

// synchronousFull is PRAGMA synchronous's value for FULL.
const synchronousFull = 2

// checkDurable refuses a pooled connection that does not run with
// synchronous=FULL, so no write can ever go through a less durable one.
func (s *Store) checkDurable(conn *sqlite3.SQLiteConn) error {
	rows, err := conn.Query("PRAGMA synchronous", nil)
	if err != nil {
		return fmt.Errorf("read PRAGMA synchronous: %w", err)
	}
	defer rows.Close()
	v := make([]driver.Value, 1)
	if err := rows.Next(v); err != nil {
		return fmt.Errorf("read PRAGMA synchronous: %w", err)
	}
	if n, ok := v[0].(int64); !ok || n != synchronousFull {
		return fmt.Errorf("the database connection runs with synchronous=%v, not FULL (%d)", v[0], synchronousFull)
	}
	s.durableConns.Add(1)
	return nil
}

// Pragmas are the durability settings the store runs with, for the log.
type Pragmas struct {
	JournalMode string
	// Synchronous is PRAGMA synchronous as read on a pooled connection
	// (2 is FULL).
	Synchronous int
	// CheckedConns is how many pooled connections were opened so far, each
	// verified to run with synchronous=FULL before first use.
	CheckedConns int64
}

// Pragmas reads the durability settings from the running store.
func (s *Store) Pragmas(ctx context.Context) (Pragmas, error) {
	var p Pragmas
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return p, err
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&p.JournalMode); err != nil {
		return p, err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&p.Synchronous); err != nil {
		return p, err
	}
	p.CheckedConns = s.durableConns.Load()
	return p, nil
}

// makePrivate sets path to 0600, creating it empty when create is set and
// it does not exist. A missing file is fine otherwise (no WAL yet).
func makePrivate(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		f.Close()
	}
	err := os.Chmod(path, 0o600)
	if err != nil && !(errors.Is(err, os.ErrNotExist) && !create) {
		return fmt.Errorf("make %s private: %w", path, err)
	}
	return nil
}

// checkHeader refuses a non-empty file that does not start like SQLite,
// before SQLite itself touches it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil // an empty file is a new database
	}
	if n < len(head) || !bytes.Equal(head, sqliteHeader) {
		return &FileError{Path: path, Err: ErrNotDatabase, Detail: "it does not start with the SQLite header"}
	}
	return nil
}

func (s *Store) init(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.classify(err)
	}
	if version > SchemaVersion {
		return &FileError{Path: s.path, Err: ErrNewerVersion,
			Detail: fmt.Sprintf("its schema version is %d, this SocialOmm knows up to %d", version, SchemaVersion)}
	}
	// No integrity check here: PRAGMA quick_check reads the whole file, so
	// start-up would grow with history. Reading the schema above and the
	// tables the first screen needs meets a damaged page soon enough, and
	// SQLite then answers SQLITE_CORRUPT, which classify reports the same way.
	var tables int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
		return s.classify(err)
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.classify(err)
	}
	return s.migrate(ctx, version)
}

func (s *Store) classify(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrNotADB:
			return &FileError{Path: s.path, Err: ErrNotDatabase, Detail: se.Error()}
		case sqlite3.ErrCorrupt:
			return &FileError{Path: s.path, Err: ErrCorrupt, Detail: se.Error()}
		}
	}
	return fmt.Errorf("read %s: %w", s.path, err)
}

func (s *Store) migrate(ctx context.Context, from int) error {
	for v := from; v < SchemaVersion; v++ {
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("upgrade %s to version %d: %w", s.path, v+1, err)
		}
	}
	return nil
}

// Version returns the schema version of the open file.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// DB exposes the handle to packages under core that own their own tables'
// queries (schedule, notify).
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// InTx runs fn in a transaction, committing if it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// unix and fromUnix keep times as UTC seconds.
func unix(t time.Time) int64 { return t.UTC().Unix() }

func nullUnix(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Unix()
}

func fromNullUnix(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}
