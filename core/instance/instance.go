// Package instance makes sure one data folder is served by one running engine:
// two schedulers on the same data would post twice, and two processes
// refreshing one profile would spend its refresh token twice.
//
// The folder's lock file says who holds it: the window or the daemon (the
// folder's owner, which answers other processes on the instance socket), or
// a short command that opened the engine for its own duration because no
// owner ran.
package instance

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ErrRunning means another SocialOmm holds the data folder.
var ErrRunning = errors.New("SocialOmm is already running on this data folder")

const (
	lockName   = "socialomm.lock"
	socketName = "socialomm.sock"
)

// Kind says what holds a data folder.
type Kind string

const (
	// Window is the app's window: the folder's owner.
	Window Kind = "window"
	// Daemon is `socialomm daemon`: the folder's owner.
	Daemon Kind = "daemon"
	// Command is a short command that found no owner and runs its own
	// engine until it ends; others wait for it.
	Command Kind = "command"
)

// Owner reports whether k runs the engine for as long as it lives and
// answers on the instance socket. An unknown kind (a lock written by an
// older SocialOmm, which recorded only its pid) counts as an owner.
func (k Kind) Owner() bool { return k != Command }

// Holder is what the lock file records about the process holding it.
type Holder struct {
	PID  int
	Kind Kind
	// What names the command, e.g. "accounts check"; empty for owners.
	What string
}

func (h Holder) String() string {
	s := "process " + strconv.Itoa(h.PID)
	switch {
	case h.Kind == Command && h.What != "":
		s += ", `socialomm " + h.What + "`"
	case h.Kind != "":
		s += ", " + string(h.Kind)
	}
	return s
}

// record is the lock file's one line: "PID KIND WHAT...".
func (h Holder) record() string {
	return strings.TrimSpace(fmt.Sprintf("%d %s %s", h.PID, h.Kind, h.What)) + "\n"
}

// parseHolder reads a lock file's line; ok is false while it is empty
// (a holder that has just taken the lock and not written it yet).
func parseHolder(data string) (Holder, bool) {
	fields := strings.Fields(data)
	if len(fields) == 0 {
		return Holder{}, false
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil {
		return Holder{}, false
	}
	h := Holder{PID: pid}
	if len(fields) > 1 {
		h.Kind = Kind(fields[1])
		h.What = strings.Join(fields[2:], " ")
	}
	return h, true
}

// HeldError is Acquire's answer when another process holds the folder.
// It matches ErrRunning with errors.Is.
type HeldError struct {
	Holder Holder
	// Known is false when the holder has not written its line yet: it
	// has just started, and asking again in a moment tells.
	Known bool
}

func (e *HeldError) Error() string {
	if !e.Known {
		return ErrRunning.Error()
	}
	return fmt.Sprintf("%s (process %d)", ErrRunning, e.Holder.PID)
}

func (e *HeldError) Is(target error) bool { return target == ErrRunning }

// Lock is held by the one process running an engine on a data folder.
type Lock struct {
	file   *os.File
	dir    string
	logger *slog.Logger

	mu       sync.Mutex
	listener net.Listener
	handler  CommandHandler
	conns    map[net.Conn]struct{}
	serving  sync.WaitGroup
	stopped  bool
}

// Acquire takes the data folder's lock for h (its PID is filled in). If
// another process holds it, Acquire returns a *HeldError naming that
// process and what it is.
//
// Acquire also makes the folder private (0700), even when it existed
// before with wider permissions: it holds tokens' metadata and the
// instance socket, through which commands run as the folder's owner.
func Acquire(dir string, h Holder, logger *slog.Logger) (*Lock, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := PrepareDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			data, _ := os.ReadFile(path)
			holder, known := parseHolder(string(data))
			return nil, &HeldError{Holder: holder, Known: known}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	h.PID = os.Getpid()
	line := h.record()
	// Written in place and then cut, so a reader never sees an empty file
	// between the two (it could take that for a holder just starting).
	_, err = f.WriteAt([]byte(line), 0)
	if err == nil {
		err = f.Truncate(int64(len(line)))
	}
	if err != nil {
		// The lock holds all the same; others only cannot tell who has it.
		logger.Warn("write the lock file", "err", err)
	}
	return &Lock{file: f, dir: dir, logger: logger}, nil
}

// PrepareDir creates dir if needed and makes it 0700.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if info.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make the data folder %s private: %w", dir, err)
		}
	}
	return nil
}

// Dir is the data folder this lock holds.
func (l *Lock) Dir() string { return l.dir }

// Release stops answering on the socket (ending the commands it runs for
// others and waiting for them) and gives the folder back.
func (l *Lock) Release() {
	l.StopServing()
	// An empty file tells a reader that races the next holder that it is
	// only starting, never that it is us.
	l.file.Truncate(0)
	syscall.Flock(int(l.file.Fd()), syscall.LOCK_UN)
	l.file.Close()
}
