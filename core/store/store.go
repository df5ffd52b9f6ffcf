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
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
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
	q := url.Values{}
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", "NORMAL")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
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
