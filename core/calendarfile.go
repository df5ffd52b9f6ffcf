package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/socialomm/desktop/core/calendar"
)

// calendarRevisionsFile remembers, beside the database, each event's
// SEQUENCE and LAST-MODIFIED, so a calendar app re-importing the file
// takes a moved end date over the old one.
const calendarRevisionsFile = "calendar-revisions.json"

// CalendarFolderKey is the setting naming the folder SocialOmm keeps the
// expiry calendar up to date in; empty: none.
const CalendarFolderKey = "calendar.folder"

// calendarDebounce gathers the account changes of a sweep or an Update-all
// into one rewrite of the kept calendar.
const calendarDebounce = 2 * time.Second

// WriteCalendar writes the expiry calendar (socialomm accounts calendar)
// to w and returns how many events it holds.
func (e *Engine) WriteCalendar(ctx context.Context, w io.Writer) (int, error) {
	e.calendarMu.Lock()
	defer e.calendarMu.Unlock()
	accounts, err := e.store.Accounts(ctx)
	if err != nil {
		return 0, err
	}
	revs := e.loadCalendarRevisions()
	// The alarms fall on the notifications' warning days; none when the
	// setting cannot be read.
	warnDays, _ := e.notify.WarnDays(ctx)
	n, err := calendar.Write(w, accounts, calendar.Options{
		Now:       e.clock.Now(),
		Location:  time.Local,
		WarnDays:  warnDays,
		DataDir:   e.dataDir,
		Revisions: revs,
	})
	if err != nil {
		return 0, err
	}
	if err := e.saveCalendarRevisions(revs); err != nil {
		// The calendar is right; only the next moved date may be taken
		// as unchanged by a calendar app.
		e.logger.Warn("calendar revisions not saved", "err", err)
	}
	return n, nil
}

// WriteCalendarFile writes the expiry calendar to path atomically: a
// calendar app reading it meanwhile sees the old file or the new one,
// never half of one.
func (e *Engine) WriteCalendarFile(ctx context.Context, path string) (int, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, fmt.Errorf("write the calendar in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	n, err := e.WriteCalendar(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("write the calendar %s: %w", path, err)
	}
	return n, nil
}

// KeptCalendarPath is the calendar file SocialOmm keeps up to date, or ""
// when no folder is set.
func (e *Engine) KeptCalendarPath(ctx context.Context) (string, error) {
	folder, err := e.settings.Get(ctx, CalendarFolderKey)
	if err != nil || folder == "" {
		return "", err
	}
	return filepath.Join(folder, calendar.FileName), nil
}

// writeKeptCalendar rewrites the kept calendar, if a folder is set.
func (e *Engine) writeKeptCalendar(ctx context.Context) error {
	path, err := e.KeptCalendarPath(ctx)
	if err != nil || path == "" {
		return err
	}
	_, err = e.WriteCalendarFile(ctx, path)
	return err
}

// keepCalendar rewrites the kept calendar at start and after accounts
// change, a few at a time, until ctx ends.
func (e *Engine) keepCalendar(ctx context.Context) {
	nudge := make(chan struct{}, 1)
	cancel := e.Subscribe(func(ChangeKind) {
		select {
		case nudge <- struct{}{}:
		default:
		}
	}, ChangeAccounts)
	defer cancel()
	write := func() {
		if err := e.writeKeptCalendar(ctx); err != nil && ctx.Err() == nil {
			e.logger.Warn("expiry calendar not updated", "err", err)
		}
	}
	write()
	for {
		select {
		case <-ctx.Done():
			return
		case <-nudge:
		}
		select {
		case <-ctx.Done():
			return
		case <-e.clock.After(calendarDebounce):
		}
		// Changes during the wait are in this write.
		select {
		case <-nudge:
		default:
		}
		write()
	}
}

func (e *Engine) loadCalendarRevisions() calendar.Revisions {
	revs := calendar.Revisions{}
	data, err := os.ReadFile(filepath.Join(e.dataDir, calendarRevisionsFile))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			e.logger.Warn("calendar revisions unreadable; events start over at revision 0", "err", err)
		}
		return revs
	}
	if err := json.Unmarshal(data, &revs); err != nil {
		e.logger.Warn("calendar revisions unreadable; events start over at revision 0", "err", err)
		return calendar.Revisions{}
	}
	return revs
}

func (e *Engine) saveCalendarRevisions(revs calendar.Revisions) error {
	data, err := json.Marshal(revs)
	if err != nil {
		return err
	}
	path := filepath.Join(e.dataDir, calendarRevisionsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
